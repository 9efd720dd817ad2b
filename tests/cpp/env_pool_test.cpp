// Batch stepping, autoreset, time limits, partial resets and option errors of EnvPool.
#include "core/env_pool.h"

#include <gtest/gtest.h>

#include "test_helpers.h"
#include "core/game_registry.h"

namespace coinrun {
namespace {

using testing::BatchBuffers;
using testing::pool_options;

TEST(EnvPool, RejectsABadActionAndChangesNothing) {
  EnvPool pool(pool_options("standard", 4));
  BatchBuffers b(4, pool.obs_bytes());
  pool.reset(b.view());
  const GameState before = pool.env(0).state();
  std::vector<int32_t> actions = {1, 1, 7, 1};
  try {
    pool.step(actions, b.view());
    FAIL() << "expected ActionError";
  } catch (const ActionError& e) {
    EXPECT_EQ(e.env(), 2);
    EXPECT_EQ(e.value(), 7);
    EXPECT_NE(std::string(e.what()).find("env 2"), std::string::npos);
  }
  EXPECT_EQ(pool.env(0).state().agent.x, before.agent.x);
  EXPECT_EQ(pool.env(0).state().clock, before.clock);
  std::vector<int32_t> short_actions = {1, 1};
  EXPECT_THROW(pool.step(short_actions, b.view()), ActionError);
  std::vector<int32_t> negative = {0, -1, 0, 0};
  EXPECT_THROW(pool.step(negative, b.view()), ActionError);
}

TEST(EnvPool, UnknownOptionsAndGamesAreErrorsThatListTheValidOnes) {
  OptionMap m{{"num_levles", int64_t{5}}};
  try {
    parse_pool_options(m);
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find("num_levels"), std::string::npos);
  }
  try {
    parse_pool_options(OptionMap{{"game", std::string("pong")}});
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find("maze"), std::string::npos);
  }
  EXPECT_THROW(parse_pool_options(OptionMap{{"num_envs", int64_t{0}}}), OptionError);
  EXPECT_THROW(parse_pool_options(OptionMap{{"high_difficulty", std::string("yes")}}),
               OptionError);
  const PoolOptions o = parse_pool_options(
      OptionMap{{"num_levels", int64_t{500}}, {"high_difficulty", true}, {"game", std::string("maze")}});
  EXPECT_EQ(o.num_levels, 500);
  EXPECT_TRUE(o.high_difficulty);
  EXPECT_EQ(o.game, "maze");
}

TEST(EnvPool, TimeoutGivesATruncatedEpisodeOf1002Steps) {
  // Standing still (action 0) on the spawn tile of standard level 2 never ends the level, so
  // the time limit does: the flag is set on step 1001 and done comes on step 1002 (§5.1).
  EnvPool pool(pool_options("standard", 1));
  BatchBuffers b(1, pool.obs_bytes());
  const uint32_t seeds[1] = {2};
  pool.reset(b.view(), std::nullopt, {}, seeds);
  std::vector<int32_t> a = {0};
  int steps = 0;
  for (; steps < 2000; ++steps) {
    pool.step(a, b.view());
    if (b.terminated[0] || b.truncated[0]) break;
  }
  EXPECT_EQ(steps + 1, 1002);
  EXPECT_EQ(b.truncated[0], 1);
  EXPECT_EQ(b.terminated[0], 0);
  EXPECT_EQ(b.prev_level_complete[0], 0);
  EXPECT_EQ(b.episode_length[0], 1002);
  EXPECT_FLOAT_EQ(b.episode_return[0], 0.0f);
}

TEST(EnvPool, MazeTimeoutIs502Steps) {
  EnvPool pool(pool_options("maze", 1));
  BatchBuffers b(1, pool.obs_bytes());
  // Find a maze level whose coin is not on the start cell, then stand still.
  for (uint32_t seed = 0;; ++seed) {
    const uint32_t s[1] = {seed};
    pool.reset(b.view(), std::nullopt, {}, s);
    if (pool.env(0).state().grid.get(1, 1) != Tile::Coin) break;
  }
  std::vector<int32_t> a = {0};
  int steps = 1;
  for (pool.step(a, b.view()); !b.truncated[0] && !b.terminated[0]; pool.step(a, b.view())) ++steps;
  EXPECT_EQ(steps, 502);
  EXPECT_EQ(b.truncated[0], 1);
}

TEST(EnvPool, WinningReportsRewardOneStepBeforeDoneAndAutoresets) {
  // Standard level 2 (d = 1): the coin is at (8, 2) with flat-ish ground; run right and jump.
  EnvPool pool(pool_options("standard", 1));
  BatchBuffers b(1, pool.obs_bytes());
  const uint32_t s[1] = {2};
  pool.reset(b.view(), std::nullopt, {}, s);
  float total = 0;
  int reward_step = -1, done_step = -1;
  for (int t = 0; t < 400 && done_step < 0; ++t) {
    // Alternate charging and releasing a jump while running right.
    std::vector<int32_t> a = {t % 4 == 0 ? 4 : 1};
    pool.step(a, b.view());
    total += b.reward[0];
    if (b.reward[0] == 10.0f) reward_step = t;
    if (b.terminated[0] || b.truncated[0]) done_step = t;
  }
  ASSERT_GE(reward_step, 0) << "the scripted run did not reach the coin";
  EXPECT_EQ(done_step, reward_step + 1);
  EXPECT_EQ(b.terminated[0], 1);
  EXPECT_EQ(b.prev_level_complete[0], 1);
  EXPECT_FLOAT_EQ(b.episode_return[0], 10.0f);
  EXPECT_EQ(b.episode_length[0], done_step + 1);
  // SAME_STEP: the new episode has started on the done step.
  EXPECT_EQ(pool.env(0).state().age, 0);
  EXPECT_EQ(pool.env(0).episode_length(), 0);
}

TEST(EnvPool, NextStepAutoresetShowsTheOldLevelThenResetsIgnoringTheAction) {
  PoolOptions o = pool_options("standard", 1);
  o.autoreset = AutoresetMode::NextStep;
  EnvPool pool(o);
  BatchBuffers b(1, pool.obs_bytes());
  const uint32_t s[1] = {2};
  pool.reset(b.view(), std::nullopt, {}, s);
  std::vector<int32_t> a = {0};
  for (int t = 0; t < 1002; ++t) pool.step(a, b.view());
  ASSERT_EQ(b.truncated[0], 1);
  EXPECT_TRUE(pool.env(0).awaiting_reset());
  EXPECT_EQ(pool.env(0).state().age, 1002);  // still the old episode
  std::vector<int32_t> right = {1};
  pool.step(right, b.view());
  EXPECT_FALSE(pool.env(0).awaiting_reset());
  EXPECT_EQ(pool.env(0).state().age, 0);
  EXPECT_EQ(pool.env(0).state().agent.vx, 0.0f);  // the action was ignored
  EXPECT_EQ(b.truncated[0] + b.terminated[0], 0);
}

TEST(EnvPool, ResetMaskAndLevelSeedsTouchOnlyTheChosenEnvs) {
  EnvPool pool(pool_options("standard", 4, 2));
  BatchBuffers b(4, pool.obs_bytes());
  pool.reset(b.view());
  std::vector<int32_t> a(4, 1);
  for (int t = 0; t < 5; ++t) pool.step(a, b.view());
  const uint8_t mask[4] = {0, 1, 0, 1};
  const uint32_t seeds[2] = {7, 9};
  pool.reset(b.view(), std::nullopt, mask, seeds);
  EXPECT_EQ(pool.env(0).state().age, 5);
  EXPECT_EQ(pool.env(1).state().age, 0);
  EXPECT_EQ(pool.env(1).state().level_seed, 7u);
  EXPECT_EQ(pool.env(3).state().level_seed, 9u);
  EXPECT_EQ(b.level_seed[3], 9u);
  const uint32_t wrong[1] = {1};
  EXPECT_THROW(pool.reset(b.view(), std::nullopt, mask, wrong), OptionError);
}

TEST(EnvPool, TrainingSetSemantics) {
  // num_levels = N, set_seed = -1: level seeds are 0..N-1 (§3.2).
  PoolOptions o = pool_options("standard", 8);
  o.num_levels = 3;
  EnvPool pool(o);
  BatchBuffers b(8, pool.obs_bytes());
  pool.reset(b.view());
  for (int i = 0; i < 8; ++i) EXPECT_LT(b.level_seed[i], 3u);
  // set_seed S: the seeds come from the table of N raw outputs of a generator seeded with S.
  o.set_seed = 13;
  EnvPool seeded(o);
  BatchBuffers c(8, seeded.obs_bytes());
  seeded.reset(c.view());
  const uint32_t table[3] = {3340206418u, 2608511152u, 1020231754u};
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(c.level_seed[i] == table[0] || c.level_seed[i] == table[1] ||
                c.level_seed[i] == table[2])
        << c.level_seed[i];
  }
}

TEST(EnvPool, StepSubsetWritesRowsInTheOrderOfTheIds) {
  EnvPool pool(pool_options("standard", 6, 2));
  BatchBuffers b(6, pool.obs_bytes());
  pool.reset(b.view());
  std::vector<int32_t> ids = {5, 1, 3};
  std::vector<int32_t> acts = {1, 1, 1};
  BatchBuffers part(3, pool.obs_bytes());
  pool.step_subset(ids, acts, part.view());
  EXPECT_EQ(pool.env(5).state().age, 1);
  EXPECT_EQ(pool.env(0).state().age, 0);
  EXPECT_EQ(part.level_seed[0], pool.env(5).state().level_seed);
  std::vector<int32_t> bad_ids = {6};
  std::vector<int32_t> one = {1};
  EXPECT_THROW(pool.step_subset(bad_ids, one, part.view()), ActionError);
}

TEST(EnvPool, GrayscaleIsFloorOfTheChannelMean) {
  PoolOptions o = pool_options("standard", 1);
  o.use_black_white = true;
  EnvPool gray(o);
  EXPECT_EQ(gray.obs_bytes(), 64u * 64u);
  o.use_black_white = false;
  EnvPool rgb(o);
  BatchBuffers g(1, gray.obs_bytes()), c(1, rgb.obs_bytes());
  gray.reset(g.view());
  rgb.reset(c.view());
  for (int i = 0; i < 64 * 64; ++i) {
    const int mean = (c.obs[3 * i] + c.obs[3 * i + 1] + c.obs[3 * i + 2]) / 3;
    ASSERT_EQ(g.obs[i], mean) << "pixel " << i;
  }
}

}  // namespace
}  // namespace coinrun
