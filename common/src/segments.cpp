#include "ringcore/segments.h"

#include <algorithm>

namespace ringcore {
namespace {

// Widths and offsets on the ring reach 2^64 (the whole ring), one past std::uint64_t.
using Uint128 = unsigned __int128;
constexpr Uint128 kWholeRing = static_cast<Uint128>(1) << 64;

Uint128 width_of(const TokenRange& range) { return range.is_full_ring() ? kWholeRing : range.width(); }

// The token `distance` clockwise from `from`.
Token advance(Token from, Uint128 distance) {
  return static_cast<Token>(static_cast<std::uint64_t>(from) + static_cast<std::uint64_t>(distance));
}

// The token at `width` tokens into `ranges` (clockwise, counting only the ranges' tokens):
// the last token of the first `width` of them. REQUIRES: 0 < width <= the ranges' total width.
Token token_at_width(const std::vector<TokenRange>& ranges, Uint128 width) {
  for (const TokenRange& range : ranges) {
    const Uint128 w = width_of(range);
    if (width <= w) return advance(range.left, width);
    width -= w;
  }
  return ranges.back().right;
}

}  // namespace

std::vector<TokenRange> primary_ranges_of(const TokenRing& ring, NodeIndex node) {
  std::vector<TokenRange> ranges;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    if (ring.owner_at(i) == node) ranges.push_back(ring.range_ending_at(i));
  }
  return ranges;
}

std::vector<TokenRange> split_into_segments(const std::vector<TokenRange>& ranges, std::size_t count) {
  if (ranges.empty() || count == 0) return {};
  Uint128 total = 0;
  for (const TokenRange& range : ranges) total += width_of(range);
  // Each arc holds at least one of the ranges' tokens.
  const Uint128 arcs = std::min<Uint128>(count, total);
  const Token start = ranges.front().left;
  std::vector<TokenRange> segments;
  Token left = start;
  for (Uint128 k = 1; k < arcs; ++k) {
    const Token right = token_at_width(ranges, total * k / arcs);
    segments.push_back({left, right});
    left = right;
  }
  segments.push_back({left, start});  // the last arc closes the ring: (x, x] when it is the only one
  return segments;
}

}  // namespace ringcore
