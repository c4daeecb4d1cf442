#include "ringcore/random.h"

namespace ringcore {

double Random::next_double() {
  // The top 53 bits fill a double's mantissa exactly, so every value is equally likely.
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

std::size_t Random::next_below(std::size_t bound) {
  // Rejection sampling: values in the final partial block of `bound` would favour small
  // results, so they are drawn again.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  std::uint64_t value = next_u64();
  while (value >= limit) value = next_u64();
  return static_cast<std::size_t>(value % bound);
}

std::uint64_t SplitMix64::next_u64() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace ringcore
