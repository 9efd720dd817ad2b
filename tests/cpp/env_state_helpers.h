#pragma once
// Helpers of the env-state tests (env_state_test.cpp, env_state_errors_test.cpp): reproducible
// actions, and a trace of every byte a pool's steps write, compared step by step.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/env_pool.h"
#include "test_helpers.h"

namespace coinrun::testing {

// Reproducible actions for step t of env i, biased to the right so that platformer agents
// reach pits, monsters and coins and episodes end (raw mt19937 draws, no std distributions).
inline int32_t action_at(int t, int i, uint32_t salt = 0) {
  std::mt19937 g(static_cast<uint32_t>(t) * 7919u + static_cast<uint32_t>(i) * 104729u + salt);
  constexpr int32_t kBiased[8] = {1, 1, 4, 4, 3, 2, 5, 6};
  return kBiased[g() % 8];
}

inline std::vector<int32_t> actions_at(int t, int n, uint32_t salt = 0) {
  std::vector<int32_t> a(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) a[static_cast<size_t>(i)] = action_at(t, i, salt);
  return a;
}

// Every byte a step writes, for every env, step after step.
struct Trace {
  std::vector<uint8_t> obs;
  std::vector<float> reward;
  std::vector<uint8_t> done_bits;
  std::vector<uint32_t> level_seed;
  int dones = 0;
};

inline void run(EnvPool& pool, BatchBuffers& b, int t0, int steps, Trace& tr) {
  const BatchView v = b.view();
  for (int t = t0; t < t0 + steps; ++t) {
    pool.step(actions_at(t, pool.num_envs()), v);
    tr.obs.insert(tr.obs.end(), b.obs.begin(), b.obs.end());
    tr.reward.insert(tr.reward.end(), b.reward.begin(), b.reward.end());
    for (size_t i = 0; i < b.n; ++i) {
      tr.done_bits.push_back(static_cast<uint8_t>(b.terminated[i] | (b.truncated[i] << 1) |
                                                  (b.prev_level_complete[i] << 2)));
      tr.dones += b.terminated[i] | b.truncated[i];
    }
    tr.level_seed.insert(tr.level_seed.end(), b.level_seed.begin(), b.level_seed.end());
  }
}

// Names the first differing step and env instead of dumping megabytes.
inline void expect_same_trace(const Trace& a, const Trace& b, size_t n, size_t obs_bytes) {
  ASSERT_EQ(a.reward.size(), b.reward.size());
  for (size_t k = 0; k < a.reward.size(); ++k) {
    const size_t step = k / n, env = k % n;
    ASSERT_EQ(std::memcmp(&a.reward[k], &b.reward[k], sizeof(float)), 0)
        << "reward differs at step " << step << " env " << env;
    ASSERT_EQ(a.done_bits[k], b.done_bits[k]) << "done flags differ at step " << step << " env " << env;
    ASSERT_EQ(a.level_seed[k], b.level_seed[k]) << "level seed differs at step " << step << " env " << env;
    ASSERT_EQ(std::memcmp(a.obs.data() + k * obs_bytes, b.obs.data() + k * obs_bytes, obs_bytes), 0)
        << "observation differs at step " << step << " env " << env;
  }
}

}  // namespace coinrun::testing
