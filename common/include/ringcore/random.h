// Randomness as an argument: ringcore never draws from a global generator, so callers decide
// between a seeded, reproducible source (simulations, tests) and a seeded-from-entropy one
// (programs).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringcore {

// A source of uniformly distributed 64-bit values. Implementations need not be thread-safe;
// give each thread its own.
class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;

  // Uniform in [0, 1), with 53 random bits.
  double next_double();
  // Uniform in [0, bound), without modulo bias. REQUIRES: bound > 0.
  std::size_t next_below(std::size_t bound);
};

// SplitMix64: small, fast and fully determined by its seed. Not for cryptography.
class SplitMix64 final : public Random {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next_u64() override;

 private:
  std::uint64_t state_;
};

}  // namespace ringcore
