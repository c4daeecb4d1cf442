// 64-bit integers as 8 bytes, most significant first: the order in which RocksDB compares keys
// (storage.cpp) and the layout of the wire forms that carry them (merkle_buckets.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringnode {

inline void put_u64(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

// REQUIRES: bytes.size() >= 8.
inline std::uint64_t get_u64(std::string_view bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

}  // namespace ringnode
