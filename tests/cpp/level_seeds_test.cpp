// Chosen levels: reset(level_seeds) plays exactly those levels in any pool, the same levels
// as the original's, with the difficulty as part of the level, and a mask picks the envs.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/env_pool.h"
#include "core/game_registry.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

using Batch = testing::BatchBuffers;
using testing::pool_options;

void expect_same_level(const GameState& a, const GameState& b, uint32_t seed) {
  EXPECT_EQ(a.level_seed, seed);
  EXPECT_EQ(b.level_seed, seed);
  EXPECT_TRUE(a.grid == b.grid) << "grid of level " << seed;
  ASSERT_EQ(a.num_monsters, b.num_monsters) << "level " << seed;
  for (int m = 0; m < a.num_monsters; ++m) {
    EXPECT_EQ(a.monsters[m].x, b.monsters[m].x);
    EXPECT_EQ(a.monsters[m].y, b.monsters[m].y);
    EXPECT_EQ(a.monsters[m].kind, b.monsters[m].kind);
  }
  EXPECT_EQ(a.agent.x, b.agent.x);
  EXPECT_EQ(a.agent.y, b.agent.y);
  EXPECT_EQ(a.cosmetics.background, b.cosmetics.background);
  EXPECT_EQ(a.cosmetics.agent_look, b.cosmetics.agent_look);
  EXPECT_EQ(a.cosmetics.ground_theme, b.cosmetics.ground_theme);
}

TEST(LevelSeeds, ResetPlaysExactlyTheChosenLevelsInAnyPool) {
  const std::vector<uint32_t> seeds{0, 7, 499, 123456789, 0xFFFFFFFFu, 42};
  for (const Game* g : all_games()) {
    for (bool hd : {false, true}) {
      PoolOptions oa = pool_options(std::string(g->info().name), 6, 1, 1);
      oa.high_difficulty = hd;
      PoolOptions ob = oa;  // another pool seed, thread count and level set
      ob.seed = 555;
      ob.num_threads = 3;
      ob.num_levels = 500;
      ob.set_seed = 13;
      EnvPool a(oa), b(ob);
      Batch ba(a), bb(b);
      a.reset(ba.view(), std::nullopt, {}, seeds);
      b.reset(bb.view(), 99u, {}, seeds);
      for (int i = 0; i < 6; ++i) {
        GameState direct;
        g->generate(seeds[static_cast<size_t>(i)], hd, direct);
        expect_same_level(a.env(i).state(), direct, seeds[static_cast<size_t>(i)]);
        expect_same_level(b.env(i).state(), direct, seeds[static_cast<size_t>(i)]);
        EXPECT_EQ(ba.level_seed[static_cast<size_t>(i)], seeds[static_cast<size_t>(i)]);
        EXPECT_EQ(bb.level_seed[static_cast<size_t>(i)], seeds[static_cast<size_t>(i)]);
      }
    }
  }
}

// Seed k is the original's level k: reference outputs of docs/rules.md §4.8, reached through
// reset(level_seeds) in pools whose own level sets are something else entirely. (Platform's
// §4.8 rows disagree with the original source after the spawn column; platform_test.cpp
// documents that, so platform is covered by the generate() comparison above instead.)
TEST(LevelSeeds, ChosenSeedsAreTheOriginalsLevels) {
  struct Ref {
    const char* game;
    uint32_t seed;
    bool high;
    int difficulty, maze_size, coins, ax, ay;  // (ax, ay): the coin
    int look, ground, bg;
  };
  const Ref refs[] = {
      {"standard", 2, false, 1, 0, 1, 8, 2, 1, 5, 9},
      {"standard", 1, false, 2, 0, 1, 18, 5, 2, 3, 11},
      {"standard", 0, true, 3, 0, 1, 31, 5, 4, 4, 5},
      {"maze", 1, false, 2, 13, 1, 2, 3, 1, 4, 29},
      {"maze", 0, true, 4, 25, 1, 12, 11, 0, 5, 21},
  };
  for (const Ref& r : refs) {
    PoolOptions o = pool_options(r.game, 2, 2, 12345);
    o.high_difficulty = r.high;
    o.num_levels = 7;
    o.set_seed = 99;
    EnvPool pool(o);
    Batch b(pool);
    pool.reset(b.view(), 4u, std::vector<uint8_t>{0, 1}, std::vector<uint32_t>{r.seed});
    const GameState& s = pool.env(1).state();
    const std::string what = std::string(r.game) + " seed " + std::to_string(r.seed) +
                             (r.high ? " high" : "");
    EXPECT_EQ(s.level_seed, r.seed) << what;
    EXPECT_EQ(b.level_seed[1], r.seed) << what;
    if (r.difficulty) {
      EXPECT_EQ(s.difficulty, r.difficulty) << what;
    }
    EXPECT_EQ(s.maze_size, r.maze_size) << what;
    EXPECT_EQ(s.coins_total, r.coins) << what;
    EXPECT_EQ(s.grid.get(r.ax, r.ay), Tile::Coin) << what;
    EXPECT_EQ(s.cosmetics.agent_look, r.look) << what;
    EXPECT_EQ(s.cosmetics.ground_theme, r.ground) << what;
    EXPECT_EQ(s.cosmetics.background, r.bg) << what;
  }
}

TEST(LevelSeeds, HighDifficultyIsPartOfTheLevel) {
  // §3.3: with the flag the difficulty draw is skipped, so the same seed is another level.
  int differ = 0;
  for (uint32_t seed = 0; seed < 20; ++seed) {
    GameState lo, hi;
    find_game("standard")->generate(seed, false, lo);
    find_game("standard")->generate(seed, true, hi);
    differ += !(lo.grid == hi.grid);
  }
  EXPECT_GT(differ, 10);
}

TEST(LevelSeeds, MaskChoosesWhichEnvsGetThem) {
  EnvPool pool(pool_options("maze", 4, 2, 3));
  Batch b(pool);
  pool.reset(b.view());
  const auto before = pool.get_states();
  const std::vector<uint8_t> mask{0, 1, 0, 1};
  pool.reset(b.view(), std::nullopt, mask, std::vector<uint32_t>{11, 22});
  EXPECT_EQ(pool.env(1).state().level_seed, 11u);
  EXPECT_EQ(pool.env(3).state().level_seed, 22u);
  const auto after = pool.get_states();
  EXPECT_EQ(after[0], before[0]);
  EXPECT_EQ(after[2], before[2]);
  // A wrong count is refused before any env changes.
  EXPECT_THROW(pool.reset(b.view(), std::nullopt, mask, std::vector<uint32_t>{1, 2, 3}), OptionError);
  EXPECT_EQ(pool.get_states(), after);
}

}  // namespace
}  // namespace coinrun
