#include "ringcore/murmur3.h"

#include <bit>
#include <cstring>

namespace ringcore {
namespace {

constexpr std::uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr std::uint64_t kC2 = 0x4cf5ad432745937fULL;

// A little-endian 64-bit load; one instruction on little-endian hosts.
std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// Java reads a tail byte as a signed byte and widens it to long before shifting.
std::uint64_t sign_extended(unsigned char b) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int8_t>(b)));
}

std::uint64_t fmix(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

std::uint64_t mix_k1(std::uint64_t k1) { return std::rotl(k1 * kC1, 31) * kC2; }
std::uint64_t mix_k2(std::uint64_t k2) { return std::rotl(k2 * kC2, 33) * kC1; }

}  // namespace

Murmur3Hash murmur3_cassandra(std::string_view key, std::uint64_t seed) {
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const std::size_t length = key.size();
  const std::size_t blocks = length / 16;
  std::uint64_t h1 = seed;
  std::uint64_t h2 = seed;

  for (std::size_t i = 0; i < blocks; ++i) {
    h1 ^= mix_k1(load_le64(data + i * 16));
    h1 = std::rotl(h1, 27) + h2;
    h1 = h1 * 5 + 0x52dce729;
    h2 ^= mix_k2(load_le64(data + i * 16 + 8));
    h2 = std::rotl(h2, 31) + h1;
    h2 = h2 * 5 + 0x38495ab5;
  }

  const unsigned char* tail = data + blocks * 16;
  const std::size_t rest = length & 15;
  std::uint64_t k1 = 0;
  std::uint64_t k2 = 0;
  for (std::size_t j = rest; j > 8; --j) k2 ^= sign_extended(tail[j - 1]) << (8 * (j - 9));
  if (rest > 8) h2 ^= mix_k2(k2);
  for (std::size_t j = rest < 8 ? rest : 8; j > 0; --j) k1 ^= sign_extended(tail[j - 1]) << (8 * (j - 1));
  if (rest > 0) h1 ^= mix_k1(k1);

  h1 ^= length;
  h2 ^= length;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  return {h1, h2};
}

std::string value_digest(std::string_view value) {
  const Murmur3Hash hash = murmur3_cassandra(value);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string digest(32, '0');
  for (int i = 0; i < 16; ++i) {
    digest[15 - i] = kHex[(hash.h1 >> (4 * i)) & 0xf];
    digest[31 - i] = kHex[(hash.h2 >> (4 * i)) & 0xf];
  }
  return digest;
}

Token token_for_key(std::string_view key) {
  if (key.empty()) return kMinToken;
  const auto token = static_cast<Token>(murmur3_cassandra(key).h1);
  return token == kMinToken ? kMaxToken : token;
}

Result<std::string> composite_key(std::span<const std::string> components) {
  std::string out;
  for (std::size_t i = 0; i < components.size(); ++i) {
    const std::string& part = components[i];
    if (part.size() > 0xffff) {
      return Error::invalid_input("composite key component " + std::to_string(i + 1) + " is " +
                                  std::to_string(part.size()) + " bytes; the limit is 65535");
    }
    out.push_back(static_cast<char>(part.size() >> 8));
    out.push_back(static_cast<char>(part.size() & 0xff));
    out += part;
    out.push_back('\0');
  }
  return out;
}

}  // namespace ringcore
