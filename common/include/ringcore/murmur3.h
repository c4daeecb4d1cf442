// Cassandra's Murmur3Partitioner: MurmurHash3 x64 128 as Cassandra computes it.
//
// It differs from textbook MurmurHash3 in one place: tail bytes are read as signed Java bytes
// and sign-extended before they are shifted (as Cassandra's MurmurHash.hash3_x64_128 does).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ringcore/token.h"

namespace ringcore {

struct Murmur3Hash {
  std::uint64_t h1;
  std::uint64_t h2;

  friend bool operator==(const Murmur3Hash&, const Murmur3Hash&) = default;
};

// The 128-bit hash of `key` (raw bytes), Cassandra's hash3_x64_128 with the given seed.
Murmur3Hash murmur3_cassandra(std::string_view key, std::uint64_t seed = 0);

// A value's digest: the 128-bit hash as 32 lowercase hex digits (h1 then h2). Nodes and ringctl
// compare stored values by it (repair, `lab verify`).
std::string value_digest(std::string_view value);

// The partitioner token of a serialised partition key. The empty key maps to kMinToken; a hash
// equal to kMinToken is moved to kMaxToken, so no key ever gets the ring origin.
Token token_for_key(std::string_view key);

// The serialised form of a composite partition key: per component a 2-byte big-endian length,
// the bytes, and one 0x00 end-of-component byte. Returns an error if a component is longer
// than 65535 bytes.
Result<std::string> composite_key(std::span<const std::string> components);

}  // namespace ringcore
