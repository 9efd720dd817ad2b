// CoinRun ("standard") levels against the original generator's reference outputs
// (game-rules.md §4.8): per-seed rows, the level pictures, and the training-set aggregates.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/game_registry.h"
#include "core/physics.h"
#include "games/games.h"

namespace coinrun {
namespace {

std::unique_ptr<GameState> level(uint32_t seed, bool high_difficulty) {
  auto s = std::make_unique<GameState>();
  coinrun_game().generate(seed, high_difficulty, *s);
  return s;
}

// Grid rows as printed in §4.8: monsters shown by their markers at their start tiles.
std::vector<std::string> picture(const GameState& s, int width, int height) {
  TileGrid g = s.grid;
  for (int i = 0; i < s.num_monsters; ++i) {
    const Monster& m = s.monsters[i];
    const Tile marker = m.kind == MonsterKind::Saw      ? Tile::SawMarker
                        : m.kind == MonsterKind::Walker ? Tile::WalkerMarker
                                                        : Tile::FlyerMarker;
    g.set(static_cast<int>(m.x), static_cast<int>(m.y), marker);
  }
  std::vector<std::string> rows;
  for (int y = height - 1; y >= 0; --y) {
    std::string row;
    for (int x = 0; x < width; ++x) row += static_cast<char>(g.get(x, y));
    rows.push_back(row);
  }
  return rows;
}

struct CoinPos {
  int x = -1, y = -1, count = 0;
};
CoinPos find_coin(const GameState& s) {
  CoinPos c;
  for (int y = 0; y < kGridSize; ++y) {
    for (int x = 0; x < kGridSize; ++x) {
      if (s.grid.get(x, y) == Tile::Coin) {
        c.x = x;
        c.y = y;
        ++c.count;
      }
    }
  }
  return c;
}

struct Row {
  uint32_t seed;
  bool high;
  int d;
  int saws;
  std::vector<int> walker_looks;  // in monster-creation order
  int coin_x, coin_y;
  int look, ground, bg;
};

// §4.8, every `standard` row.
const Row kRows[] = {
    {0, false, 3, 1, {1, 8, 8, 7}, 24, 3, 1, 1, 33},
    {1, false, 2, 0, {6, 6}, 18, 5, 2, 3, 11},
    {2, false, 1, 0, {}, 8, 2, 1, 5, 9},
    {3, false, 2, 0, {}, 11, 9, 4, 2, 12},
    {0, true, 3, 3, {2}, 31, 5, 4, 4, 5},
    {1, true, 3, 1, {5, 5}, 30, 8, 0, 0, 9},
    {2, true, 3, 0, {}, 26, 14, 1, 0, 6},
};

TEST(CoinrunLevel, ReferenceRows) {
  for (const Row& r : kRows) {
    SCOPED_TRACE("seed " + std::to_string(r.seed) + (r.high ? " high" : " normal"));
    auto s = level(r.seed, r.high);
    EXPECT_EQ(s->difficulty, r.d);
    int saws = 0;
    std::vector<int> walker_looks;
    for (int i = 0; i < s->num_monsters; ++i) {
      const Monster& m = s->monsters[i];
      ASSERT_NE(m.kind, MonsterKind::Flyer);
      if (m.kind == MonsterKind::Saw) {
        ++saws;
        EXPECT_EQ(m.look, 0);
      } else {
        walker_looks.push_back(m.look);
      }
    }
    EXPECT_EQ(saws, r.saws);
    EXPECT_EQ(walker_looks, r.walker_looks);
    const CoinPos c = find_coin(*s);
    EXPECT_EQ(c.count, 1);
    EXPECT_EQ(c.x, r.coin_x);
    EXPECT_EQ(c.y, r.coin_y);
    EXPECT_EQ(s->coins_total, 1);
    EXPECT_EQ(s->coins_needed, 1);
    EXPECT_EQ(s->cosmetics.agent_look, r.look);
    EXPECT_EQ(s->cosmetics.ground_theme, r.ground);
    EXPECT_EQ(s->cosmetics.background, r.bg);
    EXPECT_EQ(s->spawn_x, 1);
    EXPECT_EQ(s->spawn_y, 1);
    EXPECT_EQ(s->agent.x, 1.0f);
    EXPECT_EQ(s->agent.y, 1.0f);
    EXPECT_EQ(s->level_seed, r.seed);
  }
}

TEST(CoinrunLevel, PictureSeed2Normal) {
  const std::vector<std::string> want = {
      "A........A",  // 4
      "A........A",  // 3
      "A.......1A",  // 2
      "A....SSSSA",  // 1
      "ASSSSAAAAA",  // 0
  };
  EXPECT_EQ(picture(*level(2, false), 10, 5), want);
}

TEST(CoinrunLevel, PictureSeed1Normal) {
  const std::vector<std::string> want = {
      "A..................A",  // 8
      "A..................A",  // 7
      "A...........M......A",  // 6
      "A..........SSSS...1A",  // 5
      "A..........AAAASSSSA",  // 4
      "A..........AAAAAAAAA",  // 3
      "A........M.AAAAAAAAA",  // 2
      "A....SSSSSSAAAAAAAAA",  // 1
      "ASSSSAAAAAAAAAAAAAAA",  // 0
  };
  EXPECT_EQ(picture(*level(1, false), 20, 9), want);
}

TEST(CoinrunLevel, PictureSeed0HighDifficulty) {
  const std::vector<std::string> want = {
      "A...............................A",  // 10
      "A...............................A",  // 9
      "A...........$...................A",  // 8
      "A...........$....SSS..SS.S......A",  // 7
      "A.....&.....#....AAA.....A......A",  // 6
      "A.....%..SSSS....AAA.....A..GM.1A",  // 5
      "A.....#G.AAAA....AAA.....ASSSSSSA",  // 4
      "A....SSSSAAAA.G..AAA.....AAAAAAAA",  // 3
      "A....AAAAAAAASSSSAAA^^^^^AAAAAAAA",  // 2
      "A....AAAAAAAAAAAAAAA|||||AAAAAAAA",  // 1
      "ASSSSAAAAAAAAAAAAAAASSSSSAAAAAAAA",  // 0
  };
  EXPECT_EQ(picture(*level(0, true), 33, 11), want);
}

TEST(CoinrunLevel, EverythingAboveThePictureIsEmpty) {
  // The pictures show only the used part; the rest up to the top border must be empty.
  auto s = level(0, true);
  for (int y = 11; y < kGridSize - 1; ++y) {
    for (int x = 1; x < 32; ++x) EXPECT_EQ(s->grid.get(x, y), Tile::Empty) << x << "," << y;
  }
}

TEST(CoinrunLevel, MonstersStartAsThePostPassMakesThem) {  // §4.6 step 4, §5.8
  auto s = level(0, false);
  ASSERT_EQ(s->num_monsters, 5);
  for (int i = 0; i < s->num_monsters; ++i) {
    const Monster& m = s->monsters[i];
    EXPECT_EQ(m.vx, 0.01f);
    EXPECT_EQ(m.vy, 0.0f);
    EXPECT_EQ(m.x, static_cast<float>(static_cast<int>(m.x)));
    for (int t = 0; t < kTrailLength; ++t) {
      EXPECT_EQ(m.trail_x[t], m.x);
      EXPECT_EQ(m.trail_y[t], m.y);
    }
  }
  // Creation order is the visiting order: bottom row first, left to right.
  for (int i = 1; i < s->num_monsters; ++i) {
    const Monster& a = s->monsters[i - 1];
    const Monster& b = s->monsters[i];
    EXPECT_TRUE(a.y < b.y || (a.y == b.y && a.x < b.x));
  }
}

TEST(CoinrunLevel, TrainingSetAggregates) {  // §4.8: seeds 0..499, normal difficulty
  int by_difficulty[4] = {0, 0, 0, 0};
  int lava_levels = 0, saws = 0, walkers = 0, flyers = 0;
  auto s = std::make_unique<GameState>();
  for (uint32_t seed = 0; seed < 500; ++seed) {
    coinrun_game().generate(seed, false, *s);
    ASSERT_GE(s->difficulty, 1);
    ASSERT_LE(s->difficulty, 3);
    ++by_difficulty[s->difficulty];
    bool lava = false;
    for (Tile t : s->grid.cells()) lava = lava || t == Tile::Lava || t == Tile::LavaTop;
    lava_levels += lava;
    for (int i = 0; i < s->num_monsters; ++i) {
      switch (s->monsters[i].kind) {
        case MonsterKind::Saw: ++saws; break;
        case MonsterKind::Walker: ++walkers; break;
        case MonsterKind::Flyer: ++flyers; break;
      }
    }
  }
  EXPECT_EQ(by_difficulty[1], 152);
  EXPECT_EQ(by_difficulty[2], 165);
  EXPECT_EQ(by_difficulty[3], 183);
  EXPECT_EQ(lava_levels, 42);
  EXPECT_EQ(saws, 671);
  EXPECT_EQ(walkers, 368);
  EXPECT_EQ(flyers, 0);
}

TEST(CoinrunLevel, HighDifficultySkipsTheDifficultyDraw) {  // §3.3, §4.1
  for (uint32_t seed = 0; seed < 200; ++seed) {
    auto s = level(seed, true);
    EXPECT_EQ(s->difficulty, 3);
  }
  // Same seed, different flag: a different level (every later draw shifts).
  EXPECT_NE(level(0, false)->grid, level(0, true)->grid);
}

TEST(CoinrunLevel, GenerationIsAPureFunctionOfTheSeed) {  // §3.4
  auto a = level(12345, false);
  auto b = std::make_unique<GameState>();
  // Dirty the state first: generate must reset everything per level.
  coinrun_game().generate(777, true, *b);
  b->clock = 55;
  b->age = 99;
  b->level_over = b->died = true;
  b->pending_reward = 3;
  b->agent.vx = 0.3f;
  b->agent.spring = 1.0f;
  b->agent.climbing = true;
  coinrun_game().generate(12345, false, *b);
  EXPECT_EQ(a->grid, b->grid);
  EXPECT_EQ(a->num_monsters, b->num_monsters);
  EXPECT_EQ(b->clock, 0);
  EXPECT_EQ(b->age, 0);
  EXPECT_FALSE(b->level_over);
  EXPECT_FALSE(b->died);
  EXPECT_EQ(b->pending_reward, 0.0f);
  EXPECT_EQ(b->agent.vx, 0.0f);
  EXPECT_EQ(b->agent.spring, 0.0f);
  EXPECT_FALSE(b->agent.climbing);
  EXPECT_TRUE(b->agent.facing_right);
}

TEST(CoinrunLevel, RegisteredAsStandard) {  // §1
  const Game* g = find_game("standard");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g, &coinrun_game());
  EXPECT_EQ(g->info().engine_id, 1000);
  EXPECT_EQ(g->info().max_age, 1000);
  EXPECT_EQ(g->info().zoom, 5.0f);
  EXPECT_TRUE(g->info().paint_vel_info_default);
}

TEST(CoinrunLevel, StepRunsMonstersThenTheAgent) {  // §5.1 steps 3-4
  // Seed 0 (normal) has a saw at (20, 3). Put the agent on it: the monster check runs first
  // against the agent's position from before its move.
  auto s = level(0, false);
  s->agent.x = 20.0f;
  s->agent.y = 3.0f;
  coinrun_game().step(*s, 1);
  EXPECT_TRUE(s->level_over);
  EXPECT_TRUE(s->died);
  // Walkers have moved by one tick.
  for (int i = 0; i < s->num_monsters; ++i) {
    if (s->monsters[i].kind == MonsterKind::Walker) {
      EXPECT_NE(s->monsters[i].trail_x[kTrailLength - 1], s->monsters[i].trail_x[0]);
    }
  }
}

}  // namespace
}  // namespace coinrun
