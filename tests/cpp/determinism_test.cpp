// Same seed and actions give the same bytes whatever the thread count (1, 2 and 8 threads),
// for every game and with augmentation on; different seeds give different runs.
#include <gtest/gtest.h>

#include <vector>

#include "test_helpers.h"
#include "core/env_pool.h"
#include "base/rng.h"

namespace coinrun {
namespace {

using testing::BatchBuffers;
using testing::fnv1a;

uint64_t run_fingerprint(const std::string& game, int threads, uint32_t seed, bool augment,
                         int steps = 300) {
  PoolOptions o = testing::pool_options(game, 24, threads, seed);
  o.num_levels = 50;
  o.use_data_augmentation = augment;
  EnvPool pool(o);
  BatchBuffers b(o.num_envs, pool.obs_bytes());
  pool.reset(b.view());
  Rng actions_rng(99);
  std::vector<int32_t> a(static_cast<size_t>(o.num_envs));
  uint64_t h = fnv1a(b.obs.data(), b.obs.size());
  for (int t = 0; t < steps; ++t) {
    for (auto& x : a) x = actions_rng.randn(kNumActions);
    pool.step(a, b.view());
    h = fnv1a(b.obs.data(), b.obs.size(), h);
    h = fnv1a(reinterpret_cast<const uint8_t*>(b.reward.data()), b.reward.size() * 4, h);
    h = fnv1a(b.terminated.data(), b.terminated.size(), h);
    h = fnv1a(b.truncated.data(), b.truncated.size(), h);
    h = fnv1a(reinterpret_cast<const uint8_t*>(b.level_seed.data()), b.level_seed.size() * 4, h);
  }
  return h;
}

class Determinism : public ::testing::TestWithParam<std::string> {};

TEST_P(Determinism, SameBytesWithOneTwoAndEightThreads) {
  const uint64_t h1 = run_fingerprint(GetParam(), 1, 5, false);
  EXPECT_EQ(h1, run_fingerprint(GetParam(), 2, 5, false));
  EXPECT_EQ(h1, run_fingerprint(GetParam(), 8, 5, false));
}

TEST_P(Determinism, AugmentationIsDeterministicToo) {
  const uint64_t h1 = run_fingerprint(GetParam(), 1, 5, true, 60);
  EXPECT_EQ(h1, run_fingerprint(GetParam(), 8, 5, true, 60));
  EXPECT_NE(h1, run_fingerprint(GetParam(), 1, 5, false, 60));
}

TEST_P(Determinism, DifferentSeedsGiveDifferentRuns) {
  EXPECT_NE(run_fingerprint(GetParam(), 2, 5, false, 50), run_fingerprint(GetParam(), 2, 6, false, 50));
}

INSTANTIATE_TEST_SUITE_P(AllGames, Determinism,
                         ::testing::Values("standard", "platform", "maze"));

}  // namespace
}  // namespace coinrun
