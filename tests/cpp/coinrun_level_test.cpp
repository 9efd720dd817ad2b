// CoinRun ("standard") levels against the original generator's reference outputs
// (docs/rules.md §4.8): per-seed rows, the level pictures, and the training-set aggregates.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/game_registry.h"
#include "core/physics.h"
#include "games/games.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

using namespace testing;  // test_helpers.h

std::unique_ptr<GameState> level(uint32_t seed, bool high_difficulty) {
  return testing::generated_level(coinrun_game(), seed, high_difficulty);
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
    expect_single_coin_at(*s, r.coin_x, r.coin_y);
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
  EXPECT_EQ(grid_picture(*level(2, false), 10, 5), want);
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
  EXPECT_EQ(grid_picture(*level(1, false), 20, 9), want);
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
  EXPECT_EQ(grid_picture(*level(0, true), 33, 11), want);
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

// §4.3 "useful consequences" over seeds 0..9999: lava in about 7 % / 21 % of levels, crates in
// 86 % / 92 %, 1.96 / 4.8 monsters and the coin at column 18.5 / 31 on average (normal / high).
// Generation is deterministic, so the exact counts are pinned; they round to the figures of §4.3.
TEST(CoinrunLevel, TenThousandSeedStatistics) {
  struct Want {
    bool high;
    int lava_levels, crate_levels;
    long monsters, coin_column_sum;
  };
  const Want wants[] = {{false, 711, 8602, 19590, 185161}, {true, 2101, 9230, 47998, 310140}};
  auto s = std::make_unique<GameState>();
  for (const Want& w : wants) {
    int lava = 0, crates = 0;
    long monsters = 0, coin_columns = 0;
    for (uint32_t seed = 0; seed < 10000; ++seed) {
      coinrun_game().generate(seed, w.high, *s);
      bool has_lava = false, has_crate = false;
      for (Tile t : s->grid.cells()) {
        has_lava = has_lava || is_lethal(t);
        has_crate = has_crate || is_crate(t);
      }
      lava += has_lava;
      crates += has_crate;
      monsters += s->num_monsters;
      coin_columns += find_coin(*s).x;
    }
    EXPECT_EQ(lava, w.lava_levels);
    EXPECT_EQ(crates, w.crate_levels);
    EXPECT_EQ(monsters, w.monsters);
    EXPECT_EQ(coin_columns, w.coin_column_sum);
    // The rounded figures of §4.3, to show where the pinned numbers come from.
    EXPECT_NEAR(lava / 100.0, w.high ? 21.0 : 7.0, 0.5);
    EXPECT_NEAR(crates / 100.0, w.high ? 92.0 : 86.0, 0.5);
    EXPECT_NEAR(monsters / 10000.0, w.high ? 4.8 : 1.96, 0.01);
    EXPECT_NEAR(coin_columns / 10000.0, w.high ? 31.0 : 18.5, 0.05);
  }
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

TEST(CoinrunLevel, OutOfRangeActionActsAsNoop) {
  auto a = level(2, false);
  auto b = level(2, false);
  for (int t = 0; t < 30; ++t) {
    coinrun_game().step(*a, t % 2 ? 7 : -1);
    coinrun_game().step(*b, 0);
  }
  EXPECT_EQ(a->agent.x, b->agent.x);
  EXPECT_EQ(a->agent.y, b->agent.y);
  EXPECT_EQ(a->agent.x, 1.0f);
}

// ---- Differential check against the original ----------------------------------------------
// The tables below were produced by the original generator and physics (openai/coinrun,
// coinrun.cpp, compiled on x86-64 with g++ -O2) driven by the same scripted inputs as
// `replay()` here: an FNV-1a hash of the level dump and of the per-tick trajectory printed with
// %a (exact float bits). Equal hashes mean the level and every tick are bit-identical.
// docs/fidelity.md says how to regenerate them.

struct GoldenRun {
  uint32_t seed;
  uint64_t level_hash;
  uint64_t trajectory_hash;
  int ticks;
  float reward;
};

template <typename... Args>
std::string format(const char* f, Args... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

// Level dump: spawn, coins, cosmetics, monsters in creation order, then the grid, top row
// first.
std::string level_dump(const GameState& s) {
  std::string d = format("spawn %d %d coins %d cos %d %d %d\n", s.spawn_x, s.spawn_y,
                         s.coins_total, int(s.cosmetics.agent_look),
                         int(s.cosmetics.ground_theme), int(s.cosmetics.background));
  for (int i = 0; i < s.num_monsters; ++i) {
    const Monster& m = s.monsters[i];
    d += format("m %d %d %d %d\n", static_cast<int>(m.x), static_cast<int>(m.y),
                static_cast<int>(m.kind), m.kind == MonsterKind::Walker ? int(m.look) : 0);
  }
  for (int y = kGridSize - 1; y >= 0; --y) {
    for (int x = 0; x < kGridSize; ++x) d += static_cast<char>(s.grid.get(x, y));
    d += '\n';
  }
  return d;
}

// Scripted inputs: an LCG picks an action (biased to the right) and holds it 1..8 ticks.
struct Script {
  explicit Script(uint32_t seed) : state_(seed * 2654435761u + 1) {}
  int next_action() {
    static constexpr int kTable[11] = {0, 1, 1, 1, 2, 3, 4, 4, 4, 5, 6};
    if (hold_ == 0) {
      action_ = kTable[draw() % 11];
      hold_ = 1 + static_cast<int>(draw() % 8);
    }
    --hold_;
    return action_;
  }

 private:
  uint32_t draw() {
    state_ = state_ * 1103515245u + 12345u;
    return state_ >> 8;
  }
  uint32_t state_;
  int action_ = 0;
  int hold_ = 0;
};

// Plays up to `max_ticks` ticks of Game::step (monsters, then the agent) until the level is
// over; returns the trajectory dump, the tick count and the reward collected.
std::string replay(const Game& game, GameState& s, int max_ticks, int& ticks, float& reward) {
  Script script(s.level_seed);
  std::string t;
  ticks = 0;
  reward = 0;
  for (int i = 0; i < max_ticks; ++i) {
    s.pending_reward = 0;
    game.step(s, script.next_action());
    const Agent& a = s.agent;
    t += format("%a %a %a %a %a %d %d %g %d", a.x, a.y, a.vx, a.vy, a.spring, int(a.climbing),
                int(a.facing_right), s.pending_reward, int(s.level_over));
    for (int k = 0; k < s.num_monsters; ++k) t += format(" %a", s.monsters[k].x);
    t += '\n';
    reward += s.pending_reward;
    ++ticks;
    if (s.level_over) break;
  }
  return t;
}

// Every run must match: the level (dump hash) and then every tick of the scripted replay.
void check_against_original(const Game& game, const std::vector<GoldenRun>& runs,
                            bool high_difficulty) {
  auto s = std::make_unique<GameState>();
  int total_ticks = 0;
  for (const GoldenRun& g : runs) {
    SCOPED_TRACE(std::string(game.info().name) + " seed " + std::to_string(g.seed));
    game.generate(g.seed, high_difficulty, *s);
    EXPECT_EQ(fnv1a(level_dump(*s)), g.level_hash) << "level differs from the original";
    int ticks = 0;
    float reward = 0;
    const std::string t = replay(game, *s, 1000, ticks, reward);
    EXPECT_EQ(ticks, g.ticks);
    EXPECT_EQ(reward, g.reward);
    EXPECT_EQ(fnv1a(t), g.trajectory_hash);
    total_ticks += ticks;
  }
  EXPECT_GT(total_ticks, 5000);  // the table covers thousands of ticks, not a few steps
}

const std::vector<GoldenRun> kOriginalNormal = {
    {0u, 0x436104530005cec5ull, 0xac2e033b0dfe137eull, 187, 0},
    {1u, 0x148bd8918ff2b6d8ull, 0x53ec2a47897221b0ull, 30, 0},
    {2u, 0x81913833c3981f2eull, 0x5eafae8bb0446a34ull, 287, 10},
    {3u, 0xc4c1e03c4c159f70ull, 0x960c2d3eb6e6edd2ull, 181, 10},
    {4u, 0x00fc6ce95950eebcull, 0x53cd4c64a5750d09ull, 126, 0},
    {5u, 0x7ee0ff181ae82bdbull, 0xc79dd9cfb074d6abull, 35, 0},
    {6u, 0xa299148b55b303efull, 0x9317a925dd82ee87ull, 185, 0},
    {7u, 0x699287f577764a49ull, 0x4f6b1af1c42d8560ull, 65, 10},
    {8u, 0xde748ddf9184d4b8ull, 0x18a5a834a44746d0ull, 57, 10},
    {9u, 0x165c1db1cedf5dceull, 0xe3bef82affea4334ull, 125, 10},
    {10u, 0x55dce5ca50c18996ull, 0x0373ea2e661482a3ull, 18, 0},
    {11u, 0xeb4fb3eeea4f9850ull, 0x881c43d46d3abe18ull, 80, 10},
    {12u, 0xc659d9897826d462ull, 0x472dec2c7ac8e932ull, 73, 10},
    {13u, 0x58cd29cadcf3ad81ull, 0x8a52e1e5f54b83e3ull, 50, 10},
    {14u, 0xb9a7ee2e85983433ull, 0xe86324bb273170b4ull, 97, 10},
    {15u, 0xdeed477d2fb17e6eull, 0x24c7ac8f822cfc08ull, 143, 10},
    {16u, 0xd21c936a44db4785ull, 0xac7817d284fa9ef3ull, 27, 0},
    {17u, 0x5208e5cc73f41701ull, 0x26790ea93aac5f2aull, 220, 10},
    {18u, 0x8e44c840c228d8a8ull, 0xef5a3380ff6cbec2ull, 210, 0},
    {19u, 0xd14e2a0974f9aa93ull, 0x589757298e9ecceeull, 682, 10},
    {20u, 0x82971566967f93c2ull, 0x138891e1e78c7615ull, 42, 0},
    {21u, 0x8a0d05f0debe60f3ull, 0xdfc7b54a58759dc5ull, 100, 10},
    {22u, 0xc84a746be3f31351ull, 0x1c1252056caafcd6ull, 30, 0},
    {23u, 0x88cd04c8dc8765e0ull, 0x58bf19be3fc61be8ull, 69, 10},
    {24u, 0x1a44b0be42c01161ull, 0x6d0dbbe82e23297eull, 97, 0},
    {25u, 0x02f2317d912523c8ull, 0x94cf0f5a98407820ull, 131, 0},
    {26u, 0x49d38319b4ce68adull, 0x133ed28b40d0befcull, 378, 0},
    {27u, 0x031bd7ec3b025b10ull, 0x51aa23fedf7f2e61ull, 194, 10},
    {28u, 0xb9d97ffcd907a482ull, 0xd5b471c35327e767ull, 75, 0},
    {29u, 0xa6759b8d6fe09250ull, 0xf68724c0ba46fc81ull, 312, 0},
    {30u, 0x5ba589c9d693ed35ull, 0xb316ae8c8a52b27dull, 118, 10},
    {31u, 0xe932b847ce51fd94ull, 0xabf2c857f08c3c9eull, 48, 0},
    {32u, 0xbf3e7c20dfd17460ull, 0x0cdd82b5563857bfull, 308, 10},
    {33u, 0xf10fde02ed5d8168ull, 0x35fa487567062a47ull, 148, 10},
    {34u, 0x84156e5883df6464ull, 0x352fecf1ca0e894cull, 53, 10},
    {35u, 0x4291588518a50cdfull, 0x39ce78659bd05c60ull, 104, 0},
    {36u, 0x9bb15c0b6f7e70a7ull, 0x5a97db491befcaddull, 251, 0},
    {37u, 0x93134f0e94da8695ull, 0x8026d92cbf23d1f9ull, 347, 0},
    {38u, 0xf55ec071c0224570ull, 0x7ef47f5f0d697b30ull, 65, 0},
    {39u, 0xcd745ae38418a0c6ull, 0x5b098975eef8aa72ull, 127, 0},
    {40u, 0xe9bbb0772b187763ull, 0x10874dc285b6c5f1ull, 98, 10},
    {41u, 0xf62579abd22c64a1ull, 0xbff06805dc00deadull, 307, 0},
    {42u, 0xa288f7938c39563dull, 0x8bfb665f10366067ull, 77, 10},
    {43u, 0xe547121109c67318ull, 0x61b5760dc560fe09ull, 40, 0},
    {44u, 0xa9919a56820bd0d4ull, 0x8ebc0f1e09de9d37ull, 121, 0},
    {45u, 0x437fc132b2712940ull, 0x1647eaa8005fe161ull, 174, 0},
    {46u, 0x8eb7aa3468622e35ull, 0xec59068668b8989cull, 208, 10},
    {47u, 0x61d84db93c7724fbull, 0xd79e2a80b4c5cf55ull, 96, 10},
    {48u, 0x132904a786339d67ull, 0xe04d54ec1aa6738aull, 137, 0},
    {49u, 0x63217fff3b8a9ce9ull, 0xe679e344b1013afdull, 22, 0},
    {50u, 0xa02bc63507f1560full, 0xfb04bbd3b748ccf7ull, 22, 0},
    {51u, 0x01a84839805ed60cull, 0xedce235cb2a64db6ull, 204, 10},
    {52u, 0x7075be6b12d5a299ull, 0xc5b636d39241fd0cull, 120, 10},
    {53u, 0x9a656043e43512c7ull, 0xd6156c23019cadceull, 256, 0},
    {54u, 0xe43cad2c17129127ull, 0x3fdfa83941a9c9f2ull, 63, 0},
    {55u, 0xcc22f994d3fa789bull, 0xea26cef2c24d3631ull, 39, 10},
    {56u, 0x2bb622dce677bcc6ull, 0x056ba9dbc573fa0bull, 69, 10},
    {57u, 0xb13d950f1fc41f78ull, 0xc1c792af9608c984ull, 208, 0},
    {58u, 0x45f182575bd910b6ull, 0x2fac8cd60eb23188ull, 49, 10},
    {59u, 0x6b77cae63a9e85f7ull, 0xb9c92b96cd730e93ull, 72, 0},
    {60u, 0xf633fc6768254a2bull, 0x1b39224b10ea47b6ull, 163, 0},
    {61u, 0xbaec042da57490a7ull, 0xf7a4830eaa9b7532ull, 78, 0},
    {62u, 0xd6b399ca6db6a3f8ull, 0x2dc186e29485425cull, 85, 10},
    {63u, 0xe273c76d1bfb520cull, 0xd5ce9191b6bd5343ull, 218, 0},
    {64u, 0x084648981a240a60ull, 0x862539e3fdb9cdd3ull, 162, 0},
    {65u, 0x8b64fec6da9be0afull, 0x00b864d2d44e9924ull, 33, 0},
    {66u, 0x2a81e719eb7d8fb9ull, 0x191e34fa42686e42ull, 105, 0},
    {67u, 0x9ade0b2d465f81f7ull, 0x17368b3c6da04e1cull, 51, 0},
    {68u, 0x417aeeec40ba769dull, 0x469719069c7efa62ull, 164, 0},
    {69u, 0x78b509edafc11fceull, 0x6814d03b2186a2caull, 183, 10},
    {70u, 0xd8c9594e18fc253bull, 0x9f99911b0e22d070ull, 87, 10},
    {71u, 0xd90dd9901ba5c9a2ull, 0x084b8234b95fcf54ull, 115, 0},
    {72u, 0x442f4afd5b67306dull, 0xdd09b9260dd88457ull, 300, 10},
    {73u, 0xfef3d2aaf099217eull, 0x244d89ebfcbec851ull, 200, 0},
    {74u, 0xfe5f414b50cd19aeull, 0x1787903618c48d50ull, 272, 0},
    {75u, 0x1d2e2817902bb8c6ull, 0xb9e8b3b0d7cccc88ull, 160, 0},
    {76u, 0xc7d8020a6682d9e3ull, 0xe86215f27bbe2013ull, 83, 0},
    {77u, 0x0b76f37f23c02d7aull, 0xba72260d046c7666ull, 45, 0},
    {78u, 0xf4fd2d09ea3c9e1cull, 0x3722fce839bd6cf6ull, 313, 10},
    {79u, 0xed72d38eb043a7c3ull, 0xc23d09a72eb56b43ull, 120, 10},
    {80u, 0x3b98ae64a84f5f35ull, 0x924061a9bf3fb15aull, 99, 0},
    {81u, 0xfe4088fadec28373ull, 0x3ea4ddf0cc20bf5aull, 92, 10},
    {82u, 0x8894cee168bccd03ull, 0x12b35f91cb6affe5ull, 106, 10},
    {83u, 0x78612656c173833full, 0x387b6b349dfdb8e5ull, 139, 0},
    {84u, 0xe4a19884629d81faull, 0x5d7e3d0f6ec7b85cull, 82, 0},
    {85u, 0xff0688022a6b6387ull, 0xc09bb964a4667c6aull, 118, 10},
    {86u, 0xf90b082e68715cf0ull, 0xffca6bf3bb34e4feull, 76, 0},
    {87u, 0xe34c4ce4eeb9496dull, 0xa0f2e346987d63d0ull, 209, 0},
    {88u, 0xf9d2536fb12643cdull, 0x496f19eac58b4ba3ull, 52, 0},
    {89u, 0x7484ef49e9585550ull, 0x0eb5620320e7fac1ull, 62, 10},
    {90u, 0x28708f7ee640c3a4ull, 0xb67b4ad4b62a69d4ull, 321, 0},
    {91u, 0xba95ac0697b5e09dull, 0x0ef469c7efc3a634ull, 96, 0},
    {92u, 0x602734c5aa3bc2caull, 0x749588e65bda5d3aull, 244, 10},
    {93u, 0x599159cfd97faaf9ull, 0x4dfdcddb2d22d8c9ull, 212, 10},
    {94u, 0x944e9a08c58607b9ull, 0xe0972bfa69c80699ull, 160, 10},
    {95u, 0xb186f833e0ea4d12ull, 0x8551a44700f980d3ull, 108, 0},
    {96u, 0x2f125b1aeda118aaull, 0x240b3ffd0a6c1b2cull, 218, 10},
    {97u, 0xc41d4ef007795940ull, 0xae4d44b670b08833ull, 144, 0},
    {98u, 0x8ea73aab5635f2f2ull, 0x45a533069a6bdc8dull, 87, 0},
    {99u, 0xf82f496b9d47f28aull, 0x357e68f802d8f6faull, 183, 10},
};

const std::vector<GoldenRun> kOriginalHigh = {
    {0u, 0xacabf65adf5b364aull, 0xda9e3056fb22d78full, 242, 0},
    {1u, 0xd1404423decd3746ull, 0xe491887ffdfb83f5ull, 69, 0},
    {2u, 0xf7cb734faae6961bull, 0x59d2bc0cfacbd51dull, 474, 0},
    {3u, 0xf8685c0fa06476a6ull, 0x6c7b9dfc1e7984c5ull, 55, 0},
    {4u, 0x65ceb9df43bb6f6aull, 0x3260168b687e23c9ull, 172, 0},
    {5u, 0xff84917bd2eeb585ull, 0x8ccd1dd3a888f575ull, 52, 0},
    {6u, 0x7ec657715b9ca1f5ull, 0x5abd4de994f4cd3cull, 306, 0},
    {7u, 0x15e905421f36b8a8ull, 0xa9ab3dea5b8f8840ull, 65, 0},
    {8u, 0x779a4883f42aef23ull, 0xa5375194f5156fe4ull, 300, 0},
    {9u, 0x265ad5e39ed80228ull, 0xaa86566a599fcdb3ull, 315, 0},
    {10u, 0x8d095cea14f0a152ull, 0xf3420b60b09f95a1ull, 52, 0},
    {11u, 0x5e168780499d8d43ull, 0x6c8924aa4ffd241cull, 68, 0},
    {12u, 0x6e7ad698c3a767b2ull, 0xaaf9ddf6ea7cf9adull, 100, 0},
    {13u, 0xdb3deb09742becf5ull, 0x3a46aebe5eb83480ull, 86, 0},
    {14u, 0x58b0f52d3a42a719ull, 0x0926d4c781eacdf3ull, 219, 10},
    {15u, 0x2649e2074e5fee56ull, 0x17f4ea1b2433c5c5ull, 432, 0},
    {16u, 0xbacb0597bd032108ull, 0x267911aeeefdf485ull, 35, 0},
    {17u, 0x8c411dbed14c8db8ull, 0x9a5ca59c801beb8full, 243, 0},
    {18u, 0x38a5bb56dcd762eaull, 0xdd368c87b4373e69ull, 226, 0},
    {19u, 0x9a37e3e205a464dfull, 0x780090245fa5fd85ull, 47, 0},
    {20u, 0x3520ea152d511bf0ull, 0x4ac275a312a590cbull, 127, 0},
    {21u, 0x29fe3dec349373c9ull, 0x9334e7c50687cf66ull, 187, 0},
    {22u, 0x607e82abb4a05613ull, 0x4eb94b3ccb488b41ull, 51, 0},
    {23u, 0xc7a8013062d197a0ull, 0xa4be54deebf8dbf9ull, 87, 0},
    {24u, 0x9e06ef266c56e5e4ull, 0x9c0b97bbffcf2233ull, 132, 0},
    {25u, 0x9c6ded8afc433fe6ull, 0x5a217feb0f86e18eull, 133, 0},
    {26u, 0x5cae857f514111f5ull, 0x7b4883a46015afe2ull, 170, 0},
    {27u, 0xc71855f184e0335cull, 0x05555768d3fde67aull, 325, 10},
    {28u, 0xf2959c1440c4c36eull, 0x61d47eeac6822009ull, 192, 0},
    {29u, 0x8bc0d619033d9f92ull, 0x09eb1b33a7cc0b46ull, 157, 0},
    {30u, 0x91853757ffd8a56aull, 0x1078cfbdc6cebff2ull, 258, 10},
    {31u, 0xa3822cf09d3336e1ull, 0x655f9d3b6775a6d3ull, 49, 0},
    {32u, 0x6c63a3b6bc7d9519ull, 0x7fc8beb5269a3788ull, 54, 0},
    {33u, 0xe06fafdd45c7634aull, 0xffc089fe23748558ull, 243, 0},
    {34u, 0x0e813f9fc8fcf3daull, 0x80abfc7dc8be7d3full, 57, 0},
    {35u, 0xdc2f316639faa8d3ull, 0x24bbbce58c9b88e6ull, 136, 0},
    {36u, 0xb6a82a9fc695d169ull, 0x12377ac78c4baae7ull, 95, 0},
    {37u, 0x13c736fe041eb7bbull, 0x64090a758ac6ab7eull, 270, 0},
    {38u, 0xbaf57d7bef08176cull, 0x153124549eb8b2d6ull, 91, 0},
    {39u, 0x1a6fd1a91d1eda2aull, 0x3fdea803deb12ab6ull, 164, 0},
    {40u, 0x3abf998715510d6eull, 0xd98bfc33e4f580d4ull, 77, 0},
    {41u, 0xe4de541205ca19c5ull, 0xb870a9cc0051331eull, 263, 0},
    {42u, 0x0965942f616e4065ull, 0x32785217f98ff957ull, 120, 0},
    {43u, 0xa00008a953591b63ull, 0xe62bbeb223eb7d71ull, 77, 0},
    {44u, 0xf22f8a711f64cdccull, 0x3de670efc8e2a154ull, 207, 0},
    {45u, 0x7a9f2a70b3eb3fceull, 0x8f9759639e977219ull, 104, 0},
    {46u, 0xc3e9fbb0e2371f62ull, 0xd6cf39e350b401d7ull, 190, 0},
    {47u, 0x0832b526189ef403ull, 0x3099878a471455a2ull, 233, 0},
    {48u, 0xa28ba3a0e747fb14ull, 0xfdc3f9d4c2064cfbull, 164, 0},
    {49u, 0xb074ac3d0f2d473full, 0x5ec8c830572fad78ull, 126, 0},
};

TEST(CoinrunLevel, MatchesTheOriginalNormal) {
  check_against_original(coinrun_game(), kOriginalNormal, false);
}
TEST(CoinrunLevel, MatchesTheOriginalHighDifficulty) {
  check_against_original(coinrun_game(), kOriginalHigh, true);
}

// The shared physics on CoinRun-Platforms levels: ladders, flyers, crate stacks. The levels
// come from the Platforms generator and must match the original too: a level mismatch fails
// here (and in the generator's own tests, tests/cpp/platform_test.cpp).
const std::vector<GoldenRun> kOriginalPlatforms = {
    {0u, 0x114d22acbf7029f8ull, 0x86b35293b3a00461ull, 781, 0},
    {1u, 0x225a1c8b322bed7eull, 0xbd29b1cd90075e4cull, 1000, 1},
    {2u, 0xb572dd41b26dfac0ull, 0x55c20b668f49cf1bull, 263, 2},
    {3u, 0xa02157bcd420c26cull, 0x14221d32fe963d03ull, 346, 4},
    {4u, 0x7c45a7f59642a606ull, 0x98201ded2dd06131ull, 77, 3},
    {5u, 0x4b861237982c4243ull, 0xd9d62d3961666fb6ull, 1000, 0},
    {6u, 0xe88d17e5b2edb696ull, 0x414e896b594b64a7ull, 1000, 0},
    {7u, 0x4f32498b618a1e65ull, 0xe2808903aee330b2ull, 1000, 0},
    {8u, 0x2275e4baa7859639ull, 0x6ef255df5f8d35b8ull, 54, 1},
    {9u, 0xafaff3bf8dc3e7fdull, 0x96c64d4e0d73c722ull, 1000, 0},
    {10u, 0x79fb1183c95ed48full, 0x403f9f2515dd5fc6ull, 72, 1},
    {11u, 0x35888d9b546133a0ull, 0x4821d6b21820ffdfull, 1000, 0},
    {12u, 0x36181f37cd522509ull, 0xf1debd0d0a99729aull, 1000, 0},
    {13u, 0x6b2a414e6646133aull, 0x22a3ae295306659dull, 110, 1},
    {14u, 0x957067c2b300d922ull, 0xba46077594f82cc9ull, 178, 1},
    {15u, 0xfcb911d48d91e5ebull, 0x6de55b9c0a2b3380ull, 1000, 1},
    {16u, 0xf3bd623b92bdb586ull, 0x04d28e43a3163faeull, 1000, 1},
    {17u, 0xf8fd29dfe713682bull, 0x379ec3c4475253edull, 1000, 0},
    {18u, 0xffd5a7ae1c64d8d9ull, 0xa2dc3df3e99ffee0ull, 1000, 1},
    {19u, 0x7e50f40048f7c6e4ull, 0xd1dbc55abc0ef8b8ull, 1000, 0},
    {20u, 0x05d69fa815be8bb2ull, 0x3a82adb0ca071fb6ull, 1000, 4},
    {21u, 0xb06e7d368c055e35ull, 0xdcc408ddfa93f497ull, 1000, 0},
    {22u, 0x0b29aea3a5dea5b8ull, 0x3eb25a32076e985bull, 1000, 0},
    {23u, 0x9d03cdcb54ca6ccbull, 0xb43634afc1d98232ull, 225, 1},
    {24u, 0x838dbfa2bd664d8cull, 0x4bd1afb450c8679cull, 1000, 0},
    {25u, 0x5a1bb468a14419e6ull, 0x9aec88f6e7ff8798ull, 996, 0},
    {26u, 0x5c15b23194c852deull, 0xf75abea4d8d2ea48ull, 1000, 0},
    {27u, 0xa0c8cadd56e0b743ull, 0x5a3d6cb5212151f4ull, 153, 0},
    {28u, 0xe1697530326ce775ull, 0x74af4ba1e8948ba1ull, 1000, 0},
    {29u, 0x8ec95713646301eeull, 0xfe089dc356315979ull, 1000, 0},
};

TEST(CoinrunLevel, PlatformPhysicsMatchesTheOriginal) {
  check_against_original(coinrun_platforms_game(), kOriginalPlatforms, false);
}

}  // namespace
}  // namespace coinrun
