// Same seed and actions give the same bytes whatever the thread count (1, 2 and 8 threads),
// for every game and with augmentation on; different seeds give different runs.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "test_helpers.h"
#include "core/env_pool.h"
#include "base/rng.h"
#include "core/thread_pool.h"

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

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 8}) {
    ThreadPool pool(threads);
    for (int n : {0, 1, 7, 64, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (int rep = 0; rep < 20; ++rep) {
        pool.parallel_for(n, 3, [&](int b, int e) {
          for (int i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
        });
      }
      for (int i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 20);
    }
  }
}

// Calls back to back (workers spinning into the next call), with pauses (workers asleep,
// some waking only after the caller took every chunk and returned) and of every size: each
// index is still done exactly once per call, and no call runs a late worker on a finished
// call's function.
TEST(ThreadPool, LateAndSpinningWorkersJoinOnlyTheirOwnCall) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(300);
  for (int call = 0; call < 3000; ++call) {
    const int n = 1 + (call * 37) % 300;
    for (int i = 0; i < n; ++i) hits[static_cast<size_t>(i)] = 0;
    pool.parallel_for(n, 4, [&, n](int b, int e) {
      ASSERT_LE(e, n);
      for (int i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    });
    for (int i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "call " << call << " index " << i;
    if (call % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// A call whose last chunk outlasts the caller's spin: the caller then sleeps until the worker
// leaves, and returns only after every chunk has run.
TEST(ThreadPool, CallerWaitsForALongLastChunk) {
  ThreadPool pool(2);
  for (int rep = 0; rep < 3; ++rep) {
    std::atomic<int> done{0};
    pool.parallel_for(2, 1, [&](int b, int) {
      if (b == 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      done++;
    });
    ASSERT_EQ(done.load(), 2);
  }
}

// An exception from any thread (the caller's or a worker's) reaches the caller once no thread
// runs the call's function any more, and the pool serves the next call normally.
TEST(ThreadPool, AnExceptionReachesTheCallerAfterEveryThreadLeft) {
  ThreadPool pool(4);
  for (int rep = 0; rep < 50; ++rep) {
    std::atomic<int> inside{0};
    const int bad = (rep * 7) % 64;
    EXPECT_THROW(pool.parallel_for(64, 1,
                                   [&](int b, int) {
                                     ++inside;
                                     std::this_thread::sleep_for(std::chrono::microseconds(20));
                                     --inside;
                                     if (b == bad) throw std::runtime_error("chunk failed");
                                   }),
                 std::runtime_error);
    ASSERT_EQ(inside.load(), 0) << "a thread still ran the function after parallel_for threw";
    std::vector<std::atomic<int>> hits(64);
    pool.parallel_for(64, 1, [&](int b, int e) {
      for (int i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    });
    for (int i = 0; i < 64; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1);
  }
}

// Pools destroyed right after a call, while their workers are still leaving it: the workers
// are joined before the mutex and condition variables they use go away (the sanitizer build
// runs this too).
TEST(ThreadPool, DestroyedRightAfterACall) {
  for (int rep = 0; rep < 200; ++rep) {
    ThreadPool pool(3);
    std::atomic<int> hits{0};
    pool.parallel_for(64, 1, [&](int b, int e) { hits += e - b; });
    ASSERT_EQ(hits.load(), 64);
  }
}

}  // namespace
}  // namespace coinrun
