// Murmur3Partitioner tokens and token ranges.
//
// A token is a signed 64-bit integer. kMinToken is the partitioner's MINIMUM: the origin of the
// ring, which no key ever hashes to (see murmur3.h). Ranges are (left, right] and wrap around
// the end of the ring; (x, x] is the whole ring, as in Cassandra.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "ringcore/error.h"

namespace ringcore {

using Token = std::int64_t;

inline constexpr Token kMinToken = std::numeric_limits<Token>::min();
inline constexpr Token kMaxToken = std::numeric_limits<Token>::max();

// Parses a decimal token ("-42", "9223372036854775807"). Rejects empty text, signs without
// digits, junk and values outside the signed 64-bit range, naming the offending text.
Result<Token> parse_token(std::string_view text);

std::string format_token(Token token);

struct TokenRange {
  Token left;   // exclusive
  Token right;  // inclusive

  bool is_full_ring() const { return left == right; }
  // True when the range passes the end of the ring (left >= right), Cassandra's isWrapAround.
  bool wraps() const { return left >= right; }
  bool contains(Token token) const;
  // Number of tokens in the range; the whole ring (2^64) is reported as 0, so callers that
  // can see a full ring must check is_full_ring() first.
  std::uint64_t width() const { return static_cast<std::uint64_t>(right) - static_cast<std::uint64_t>(left); }

  friend bool operator==(const TokenRange&, const TokenRange&) = default;
};

// "(left,right]", as nodetool and Cassandra's Range.toString print a range.
std::string format_range(const TokenRange& range);

// Parses "(left,right]" (spaces allowed after the comma) or "left:right" (nodetool's -st/-et).
Result<TokenRange> parse_range(std::string_view text);

}  // namespace ringcore
