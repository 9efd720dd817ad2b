// Env states: a state restored into another pool (other pool seed, other thread count) or
// another process must continue bit for bit. Bad bytes: env_state_errors_test.cpp; chosen
// levels: level_seeds_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/env_pool.h"
#include "core/env_state.h"
#include "core/game_registry.h"
#include "env_state_helpers.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

using Batch = testing::BatchBuffers;
using testing::action_at;
using testing::actions_at;
using testing::expect_same_trace;
using testing::pool_options;
using testing::run;
using testing::Trace;

// ---- portable MT19937 ------------------------------------------------------------------------

TEST(EnvStateRng, NextWordsRoundTripAtEveryKindOfPosition) {
  for (uint32_t seed : {0u, 13u, 5489u, 0xFFFFFFFFu}) {
    for (uint64_t draws : {0, 1, 2, 100, 396, 397, 621, 622, 623, 624, 625, 1247, 1248, 5000, 123457}) {
      std::mt19937 g(seed);
      g.discard(draws);
      const MtWords w = mt_next_words(g);
      std::mt19937 r = mt_from_next_words(w);
      EXPECT_EQ(mt_next_words(r), w) << "seed " << seed << " draws " << draws;
      for (int k = 0; k < 3000; ++k) ASSERT_EQ(g(), r()) << "seed " << seed << " draws " << draws << " output " << k;
    }
  }
}

TEST(EnvStateRng, SeedOriginIsFoundExactlyWhenItExists) {
  for (uint32_t seed : {0u, 1u, 77u, 0xDEADBEEFu}) {
    for (uint32_t draws : {0u, 1u, 5u, 300u, 620u, kMtMaxSeededDraws}) {
      std::mt19937 g(seed);
      g.discard(draws);
      const auto origin = mt_seed_origin(mt_next_words(g));
      ASSERT_TRUE(origin.has_value()) << "seed " << seed << " draws " << draws;
      EXPECT_EQ(origin->seed, seed);
      EXPECT_EQ(origin->draws, draws);
    }
    for (uint64_t draws : {kMtMaxSeededDraws + 1ull, 624ull, 10000ull}) {
      std::mt19937 g(seed);
      g.discard(draws);
      EXPECT_FALSE(mt_seed_origin(mt_next_words(g)).has_value()) << "seed " << seed << " draws " << draws;
    }
  }
}

// ---- round trips -------------------------------------------------------------------------

TEST(EnvState, HeaderSizeAndSummary) {
  EnvPool pool(pool_options("standard", 1, 1, 7));
  Batch b(pool);
  pool.reset(b.view(), std::nullopt, {}, std::vector<uint32_t>{1234});
  const std::vector<uint8_t> s = pool.env(0).save_state();
  ASSERT_GE(s.size(), 16u);
  EXPECT_EQ(std::memcmp(s.data(), "CRSTATE", 8), 0);
  EXPECT_EQ(s[8] | (s[9] << 8), kStateFormatVersion);
  const StateSummary sum = describe_state(s);
  EXPECT_EQ(sum.game, "standard");
  EXPECT_EQ(sum.engine_id, 1000);
  EXPECT_EQ(sum.level_seed, 1234u);
  EXPECT_EQ(sum.bytes, s.size());
  EXPECT_EQ(sum.age, 0);
  // Both streams are still a seed plus a few draws, stored as 8 bytes each.
  EXPECT_LT(s.size(), 2000u) << "state of a fresh CoinRun env";
  RecordProperty("fresh_state_bytes", static_cast<int>(s.size()));
}

TEST(EnvState, RoundTripIsByteIdenticalForEveryGame) {
  for (const Game* g : all_games()) {
    const std::string name(g->info().name);
    PoolOptions oa = pool_options(name, 6, 1, 3);
    oa.use_data_augmentation = true;  // drives the augmentation stream far from its seed
    oa.num_levels = 50;
    PoolOptions ob = oa;
    ob.seed = 4242;
    ob.num_threads = 3;
    EnvPool a(oa), b(ob);
    Batch ba(a), bb(b);
    a.reset(ba.view());
    Trace tr;
    run(a, ba, 0, 700, tr);
    const auto states = a.get_states();
    b.set_states(states, {}, bb.view());
    EXPECT_EQ(b.get_states(), states) << name;
    for (int i = 0; i < a.num_envs(); ++i) {
      EXPECT_EQ(bb.level_seed[static_cast<size_t>(i)], a.env(i).state().level_seed);
      EXPECT_EQ(b.env(i).episode_length(), a.env(i).episode_length());
    }
  }
}

// The main promise: restore in another pool (other pool seed, other thread count) and replay
// the same actions: every observation, reward, done and level seed is the same.
struct ReplayCase {
  std::string game;
  int num_levels;
  bool augmentation;
  bool black_white;
  bool high_difficulty;
  AutoresetMode autoreset;
};

class EnvStateReplay : public ::testing::TestWithParam<ReplayCase> {};

TEST_P(EnvStateReplay, RestoredPoolReplaysBitForBit) {
  const ReplayCase c = GetParam();
  constexpr int kEnvs = 10, kBefore = 120, kAfter = 950;
  PoolOptions oa = pool_options(c.game, kEnvs, 1, 11);
  oa.num_levels = c.num_levels;
  oa.use_data_augmentation = c.augmentation;
  oa.use_black_white = c.black_white;
  oa.high_difficulty = c.high_difficulty;
  oa.autoreset = c.autoreset;
  PoolOptions ob = oa;
  ob.seed = 98765;
  ob.num_threads = 4;

  EnvPool a(oa), b(ob);
  Batch ba(a), bb(b);
  a.reset(ba.view());
  Trace warmup;
  run(a, ba, 0, kBefore, warmup);
  const auto states = a.get_states();
  const std::vector<uint8_t> frame_at_save = ba.obs;
  Trace ta;
  run(a, ba, kBefore, kAfter, ta);
  EXPECT_GT(ta.dones, 0) << "no episode ended: the level picker was never exercised";

  b.set_states(states, {}, bb.view());
  if (!c.augmentation) {
    EXPECT_EQ(bb.obs, frame_at_save) << "the frame drawn on restore is not the saved one";
  }
  Trace tb;
  run(b, bb, kBefore, kAfter, tb);
  expect_same_trace(ta, tb, ba.n, ba.obs_bytes);
}

INSTANTIATE_TEST_SUITE_P(
    Games, EnvStateReplay,
    ::testing::Values(ReplayCase{"standard", 0, false, false, false, AutoresetMode::SameStep},
                      ReplayCase{"standard", 20, true, false, false, AutoresetMode::NextStep},
                      ReplayCase{"standard", 0, false, true, true, AutoresetMode::SameStep},
                      ReplayCase{"platform", 0, true, false, false, AutoresetMode::SameStep},
                      ReplayCase{"platform", 5, false, false, false, AutoresetMode::NextStep},
                      ReplayCase{"maze", 0, false, false, true, AutoresetMode::SameStep},
                      ReplayCase{"maze", 30, true, true, false, AutoresetMode::NextStep}),
    [](const auto& info) { return "case" + std::to_string(info.index) + "_" + info.param.game; });

// Branching rollouts: one saved env copied into many; the same actions give identical
// branches (equal to the original's continuation), different actions make them diverge.
TEST(EnvStateUses, BranchingRollouts) {
  EnvPool a(pool_options("standard", 4, 1, 21));
  Batch ba(a);
  a.reset(ba.view());
  Trace warm;
  run(a, ba, 0, 40, warm);
  const std::vector<uint8_t> root = a.get_states(std::vector<int32_t>{2})[0];

  EnvPool b(pool_options("standard", 8, 3, 5));
  Batch bb(b);
  b.set_states(std::vector<std::vector<uint8_t>>(8, root), {}, bb.view());
  // Original env 2 continues with action_at(t, 2); give every branch that same sequence.
  for (int t = 40; t < 140; ++t) {
    a.step(actions_at(t, 4), ba.view());
    b.step(std::vector<int32_t>(8, action_at(t, 2)), bb.view());
    for (int i = 0; i < 8; ++i) {
      ASSERT_EQ(bb.obs_of(i), ba.obs_of(2)) << "branch " << i << " step " << t;
      ASSERT_EQ(bb.reward[static_cast<size_t>(i)], ba.reward[2]);
      ASSERT_EQ(bb.terminated[static_cast<size_t>(i)], ba.terminated[2]);
    }
  }
  // Branch again from the root with a different policy per branch.
  b.set_states(std::vector<std::vector<uint8_t>>(8, root), {}, bb.view());
  for (int t = 0; t < 30; ++t) b.step(actions_at(t, 8, 777), bb.view());
  int distinct = 0;
  for (int i = 1; i < 8; ++i) distinct += bb.obs_of(i) != bb.obs_of(0);
  EXPECT_GT(distinct, 0) << "different actions from one state never diverged";
}

// Search from a state: try each action for a few steps from the same state, keep the best,
// and check that replaying the choice from the state gives the return the search saw.
TEST(EnvStateUses, SearchFromAState) {
  EnvPool pool(pool_options("maze", 1, 1, 8));
  Batch b(pool);
  pool.reset(b.view(), std::nullopt, {}, std::vector<uint32_t>{77});
  const std::vector<uint8_t> root = pool.env(0).save_state();
  constexpr int kHorizon = 40;
  float best_return = -1;
  int best_action = -1;
  std::vector<float> returns;
  for (int a = 0; a < kNumActions; ++a) {
    pool.set_states(std::vector<std::vector<uint8_t>>{root}, {}, b.view());
    float r = 0;
    for (int t = 0; t < kHorizon; ++t) {
      pool.step(std::vector<int32_t>{t % 2 ? a : action_at(t, 0)}, b.view());
      r += b.reward[0];
    }
    returns.push_back(r);
    if (r > best_return) best_return = r, best_action = a;
  }
  ASSERT_GE(best_action, 0);
  pool.set_states(std::vector<std::vector<uint8_t>>{root}, {}, b.view());
  float replay = 0;
  for (int t = 0; t < kHorizon; ++t) {
    pool.step(std::vector<int32_t>{t % 2 ? best_action : action_at(t, 0)}, b.view());
    replay += b.reward[0];
  }
  EXPECT_EQ(replay, best_return);
  // Maze level 77 is small: some action order reaches the coin within the horizon.
  EXPECT_GT(best_return, 0) << "the search found no reward";
  EXPECT_NE(*std::min_element(returns.begin(), returns.end()), best_return)
      << "every action gave the same return: nothing was searched";
}

// NEXT_STEP: a state saved between the done step and the step that starts the next level
// carries the pending reset.
TEST(EnvState, PendingNextStepResetIsSaved) {
  PoolOptions o = pool_options("maze", 6, 1, 2);
  o.autoreset = AutoresetMode::NextStep;
  PoolOptions o2 = o;
  o2.seed = 3;
  o2.num_threads = 2;
  EnvPool a(o), b(o2);
  Batch ba(a), bb(b);
  a.reset(ba.view());
  int t = 0;
  auto pending = [&] {
    for (int i = 0; i < a.num_envs(); ++i) if (a.env(i).awaiting_reset()) return true;
    return false;
  };
  for (; t < 2000 && !pending(); ++t) a.step(actions_at(t, 6), ba.view());
  ASSERT_TRUE(pending()) << "no maze episode ended in 2000 steps";
  const auto states = a.get_states();
  b.set_states(states, {}, bb.view());
  for (int i = 0; i < a.num_envs(); ++i) {
    EXPECT_EQ(b.env(i).awaiting_reset(), a.env(i).awaiting_reset());
    EXPECT_EQ(describe_state(states[static_cast<size_t>(i)]).awaiting_reset, a.env(i).awaiting_reset());
  }
  EXPECT_EQ(bb.obs, ba.obs);
  Trace ta, tb;
  run(a, ba, t, 50, ta);
  run(b, bb, t, 50, tb);
  expect_same_trace(ta, tb, ba.n, ba.obs_bytes);
}

// Debugging a bad episode: keep each env's state at the start of its episode; when one dies,
// replay it alone (1 env, 1 thread) from that state and get the same death at the same step.
TEST(EnvStateUses, ReplayABadEpisodeAlone) {
  constexpr int kEnvs = 8;
  EnvPool pool(pool_options("standard", kEnvs, 2, 31));
  Batch b(pool);
  pool.reset(b.view());
  std::vector<std::vector<uint8_t>> start = pool.get_states();
  std::vector<std::vector<int32_t>> actions(kEnvs);
  bool found = false;
  for (int t = 0; t < 3000 && !found; ++t) {
    const auto act = actions_at(t, kEnvs);
    pool.step(act, b.view());
    for (int i = 0; i < kEnvs && !found; ++i) {
      actions[static_cast<size_t>(i)].push_back(act[static_cast<size_t>(i)]);
      if (!b.terminated[static_cast<size_t>(i)] && !b.truncated[static_cast<size_t>(i)]) continue;
      const bool died =
          b.terminated[static_cast<size_t>(i)] && !b.prev_level_complete[static_cast<size_t>(i)];
      if (died) {
        found = true;
        const float ret = b.episode_return[static_cast<size_t>(i)];
        const int len = b.episode_length[static_cast<size_t>(i)];
        EXPECT_EQ(describe_state(start[static_cast<size_t>(i)]).age, 0);
        EnvPool solo(pool_options("standard", 1, 1, 999));
        Batch sb(solo);
        solo.set_states(std::vector<std::vector<uint8_t>>{start[static_cast<size_t>(i)]}, {}, sb.view());
        const auto& acts = actions[static_cast<size_t>(i)];
        ASSERT_EQ(static_cast<int>(acts.size()), len);
        for (size_t k = 0; k < acts.size(); ++k) {
          solo.step(std::vector<int32_t>{acts[k]}, sb.view());
          const bool done = sb.terminated[0] || sb.truncated[0];
          ASSERT_EQ(done, k + 1 == acts.size()) << "replay ended at step " << k;
        }
        EXPECT_TRUE(sb.terminated[0]);
        EXPECT_FALSE(sb.prev_level_complete[0]);
        EXPECT_EQ(sb.episode_return[0], ret);
        EXPECT_EQ(sb.episode_length[0], len);
        EXPECT_EQ(sb.obs_of(0), b.obs_of(i)) << "first frame of the next level differs";
      } else {
        start[static_cast<size_t>(i)] = pool.get_states(std::vector<int32_t>{i})[0];
        actions[static_cast<size_t>(i)].clear();
      }
    }
  }
  EXPECT_TRUE(found) << "no env died in 3000 steps";
}

// ---- across processes ----------------------------------------------------------------------
// The states go through a file into a fresh process (this test binary run again with only
// the helper below), which restores them into a pool with another seed and thread count,
// replays the same actions and writes a hash of every byte it produced.

constexpr int kProcEnvs = 6, kProcBefore = 100, kProcAfter = 400;

PoolOptions process_opts(uint32_t seed, int threads) {
  PoolOptions o = pool_options("standard", kProcEnvs, threads, seed);
  o.use_data_augmentation = true;
  o.num_levels = 200;
  return o;
}

uint64_t trace_hash(const Trace& t) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  auto mix = [&](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 0x100000001b3ull;
  };
  mix(t.obs.data(), t.obs.size());
  mix(t.reward.data(), t.reward.size() * sizeof(float));
  mix(t.done_bits.data(), t.done_bits.size());
  mix(t.level_seed.data(), t.level_seed.size() * sizeof(uint32_t));
  return h;
}

TEST(EnvStateProcess, ChildHelper) {
  const char* in = std::getenv("COINRUN_STATE_IN");
  const char* out = std::getenv("COINRUN_STATE_OUT");
  if (!in || !out) GTEST_SKIP() << "only run by EnvStateProcess.ReplayInAnotherProcess";
  std::ifstream f(in, std::ios::binary);
  std::vector<std::vector<uint8_t>> states;
  uint32_t len = 0;
  while (f.read(reinterpret_cast<char*>(&len), 4)) {
    std::vector<uint8_t> s(len);
    ASSERT_TRUE(f.read(reinterpret_cast<char*>(s.data()), len));
    states.push_back(std::move(s));
  }
  ASSERT_EQ(static_cast<int>(states.size()), kProcEnvs);
  EnvPool pool(process_opts(31337, 3));
  Batch b(pool);
  pool.set_states(states, {}, b.view());
  Trace t;
  run(pool, b, kProcBefore, kProcAfter, t);
  std::ofstream(out) << trace_hash(t) << "\n";
}

TEST(EnvStateProcess, ReplayInAnotherProcess) {
  EnvPool pool(process_opts(1, 1));
  Batch b(pool);
  pool.reset(b.view());
  Trace warm, t;
  run(pool, b, 0, kProcBefore, warm);
  const auto states = pool.get_states();
  run(pool, b, kProcBefore, kProcAfter, t);
  ASSERT_GT(t.dones, 0);

  const std::string dir = ::testing::TempDir();
  const std::string in = dir + "coinrun_states_" + std::to_string(getpid()) + ".bin";
  const std::string out = dir + "coinrun_states_" + std::to_string(getpid()) + ".hash";
  {
    std::ofstream f(in, std::ios::binary);
    for (const auto& s : states) {
      const auto len = static_cast<uint32_t>(s.size());
      f.write(reinterpret_cast<const char*>(&len), 4);
      f.write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size()));
    }
  }
  std::string exe(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  ASSERT_GT(n, 0);
  exe.resize(static_cast<size_t>(n));
  std::string filter = "--gtest_filter=EnvStateProcess.ChildHelper";
  std::string env_in = "COINRUN_STATE_IN=" + in, env_out = "COINRUN_STATE_OUT=" + out;
  char* argv[] = {exe.data(), filter.data(), nullptr};
  char* envp[] = {env_in.data(), env_out.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp), 0);
  int status = 0;
  bool exited = false;
  for (int waited_ms = 0; waited_ms < 120000 && !exited; waited_ms += 20) {  // bounded wait
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "the child process did not finish within 120 s";
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed, status " << status;
  uint64_t child_hash = 0;
  std::ifstream(out) >> child_hash;
  std::remove(in.c_str());
  std::remove(out.c_str());
  EXPECT_EQ(child_hash, trace_hash(t)) << "the other process did not continue bit for bit";
}

// ---- guard and figures -----------------------------------------------------------------------

TEST(EnvStateGuard, GameStateLayoutIsTheOneTheCodecWrites) {
  // env_state.cpp writes GameState field by field. If this fails, a field was added to
  // GameState, Agent or Monster: write and read it in env_state.cpp (and bump
  // kStateFormatVersion if the layout changes), then update these sizes.
  EXPECT_EQ(sizeof(GameState), 37968u);
  EXPECT_EQ(sizeof(Monster), 132u);
  EXPECT_EQ(sizeof(Agent), 24u);
  EXPECT_EQ(sizeof(Cosmetics), 3u);
}

// Thread CPU time of the calling thread: with 1 thread the pool runs inline, and CPU time is
// far steadier than wall time on a shared machine.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

TEST(EnvStateBench, GetAndSetFor64Envs) {
  for (bool aug : {false, true}) {
    PoolOptions o = pool_options("standard", 64, 1, 1);
    o.num_levels = 500;
    o.use_data_augmentation = aug;
    EnvPool pool(o);
    Batch b(pool);
    pool.reset(b.view());
    Trace tr;
    run(pool, b, 0, 300, tr);
    std::vector<double> get_ms, set_ms;
    std::vector<std::vector<uint8_t>> states;
    for (int rep = 0; rep < 15; ++rep) {
      const double t0 = thread_cpu_ms();
      states = pool.get_states();
      const double t1 = thread_cpu_ms();
      pool.set_states(states, {}, b.view());
      const double t2 = thread_cpu_ms();
      get_ms.push_back(t1 - t0);
      set_ms.push_back(t2 - t1);
    }
    std::sort(get_ms.begin(), get_ms.end());
    std::sort(set_ms.begin(), set_ms.end());
    size_t total = 0, largest = 0;
    for (const auto& s : states) total += s.size(), largest = std::max(largest, s.size());
    std::cout << "[state] standard, 64 envs, augmentation " << (aug ? "on" : "off")
              << ", 1 thread, CPU time: get_states median " << get_ms[get_ms.size() / 2]
              << " ms, set_states (with observations) median " << set_ms[set_ms.size() / 2]
              << " ms; state size mean " << total / states.size() << " B, max " << largest << " B\n";
    EXPECT_EQ(pool.get_states(), states);
    EXPECT_LT(largest, aug ? 9000u : 6500u);
  }
}

}  // namespace
}  // namespace coinrun
