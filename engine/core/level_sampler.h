#pragma once
// Which level seed each new episode plays (docs/rules.md §3.2): the train/test split.
// Every env owns its own sampler (unlike the original's shared, unlocked generator), seeded
// from the pool seed and the env index, so level order is reproducible (§3.4).
#include <cstdint>
#include <memory>
#include <vector>

#include "base/rng.h"

namespace coinrun {

// The seeded level table T of §3.2 (num_levels > 0 and set_seed != -1), shared read-only
// by all envs of a pool; empty otherwise.
std::shared_ptr<const std::vector<uint32_t>> make_level_table(int num_levels, int64_t set_seed);

class LevelSampler {
 public:
  // `start_level`: Procgen's offset, added to the seed of an untabled level set.
  LevelSampler(int num_levels, std::shared_ptr<const std::vector<uint32_t>> table,
               uint32_t start_level = 0)
      : num_levels_(num_levels), start_level_(start_level), table_(std::move(table)) {}

  void seed(uint32_t s) { rng_.seed(s); }
  // Seed of the next level, with the original's mapping from draws to seeds.
  uint32_t next();

  Rng& rng() { return rng_; }
  const Rng& rng() const { return rng_; }

 private:
  int num_levels_;
  uint32_t start_level_;
  std::shared_ptr<const std::vector<uint32_t>> table_;
  Rng rng_;
};

}  // namespace coinrun
