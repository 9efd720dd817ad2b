#pragma once
// The original's random draws (docs/rules.md §0.2), on top of std::mt19937, whose output
// sequence the C++ standard fixes bit for bit. No std distributions: their results differ
// between standard libraries.
#include <cstdint>
#include <random>

namespace coinrun {

class Rng {
 public:
  Rng() : gen_(5489u) {}
  explicit Rng(uint32_t seed) : gen_(seed) {}

  void seed(uint32_t s) { gen_.seed(s); }
  // Next raw 32-bit output.
  uint32_t raw() { return static_cast<uint32_t>(gen_()); }
  // raw() mod n; the modulo bias is part of the original's behaviour.
  int randn(int n) { return static_cast<int>(raw() % static_cast<uint32_t>(n)); }
  // lo + raw() mod (hi - lo), in unsigned 32-bit arithmetic.
  int randint(int lo, int hi) {
    return static_cast<int>(static_cast<uint32_t>(lo) +
                            raw() % static_cast<uint32_t>(hi - lo));
  }
  // raw() / 2^32 in double, returned as float in [0, 1).
  float rand01() { return static_cast<float>(static_cast<double>(raw()) / 4294967296.0); }

  // The engine state of the generator, for save/restore (docs/state.md).
  const std::mt19937& engine() const { return gen_; }
  std::mt19937& engine() { return gen_; }

 private:
  std::mt19937 gen_;
};

// Deterministic 32-bit seed derivation (splitmix64 finaliser): used to give every env its
// own level-picking and augmentation streams from one pool seed.
inline uint32_t derive_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z ^ (z >> 32));
}

}  // namespace coinrun
