// CoinRun-Platforms: generator against the original (docs/rules.md §4.4, §4.6, §4.8), level
// invariants over thousands of seeds, coin rewards through the game's step (§5.5, §6), and coin
// reachability under two movement models (docs/games.md explains both):
//  * GeneratorArcs: the generator's own jump model (§4.4): point-mass arcs with its exact speed
//    ranges and tick update, started one row above the standing cell as the generator does,
//    plus walking, falling and ladders, on the final grid.
//  * Physics: the real platformer physics (§5.3-§5.7, ladders included) driven by scripted
//    moves, searched breadth-first over rest positions. Monsters are ignored (geometry only).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/physics.h"
#include "games/games.h"
#include "games/platformer_common.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

const Game& platforms() { return coinrun_platforms_game(); }

using testing::Cell;
using testing::coins_of;

std::unique_ptr<GameState> level(uint32_t seed) {
  return testing::generated_level(platforms(), seed);
}

bool solid_or_crate(Tile t) { return is_solid(t) || is_crate(t); }

// ---------------------------------------------------------------------------------------------
// Reference rows.

struct Row {
  uint32_t seed;
  int spawn_x;
  int walkers, flyers, coins;
  int look, ground, bg;
  std::vector<int> walker_looks;
};

void expect_row(const Row& r) {
  SCOPED_TRACE("platform seed " + std::to_string(r.seed));
  auto s = level(r.seed);
  EXPECT_EQ(s->difficulty, 0);
  EXPECT_EQ(s->maze_size, 0);
  EXPECT_EQ(s->spawn_x, r.spawn_x);
  EXPECT_EQ(s->spawn_y, 1);
  EXPECT_EQ(s->coins_total, r.coins);
  EXPECT_EQ(s->coins_needed, r.coins);
  EXPECT_EQ(static_cast<int>(coins_of(*s).size()), r.coins);
  std::vector<int> looks;
  int walkers = 0, flyers = 0;
  for (int i = 0; i < s->num_monsters; ++i) {
    const Monster& m = s->monsters[i];
    ASSERT_NE(m.kind, MonsterKind::Saw);
    if (m.kind == MonsterKind::Walker) {
      ++walkers;
      looks.push_back(m.look);
    } else {
      ++flyers;
    }
  }
  EXPECT_EQ(walkers, r.walkers);
  EXPECT_EQ(flyers, r.flyers);
  EXPECT_EQ(looks, r.walker_looks);
  EXPECT_EQ(s->cosmetics.agent_look, r.look);
  EXPECT_EQ(s->cosmetics.ground_theme, r.ground);
  EXPECT_EQ(s->cosmetics.background, r.bg);
}

// The spawn is the level's first draw; it matches the §4.8 table for all three rows.
TEST(PlatformLevel, SpawnMatchesReferenceTable) {
  EXPECT_EQ(level(0)->spawn_x, 19);
  EXPECT_EQ(level(1)->spawn_x, 42);
  EXPECT_EQ(level(2)->spawn_x, 19);
}

// docs/rules.md §4.8 as written. These rows pin the original's loop bound in
// build_platforms: `attempt < wanted * 10` is re-evaluated after `wanted` goes down, so the
// generator stops sooner than a fixed 110 tries (docs/games.md).
TEST(PlatformLevel, SpecTableRows) {
  expect_row({0, 19, 5, 0, 17, 3, 1, 7, {5, 8, 2, 1, 1}});
  expect_row({1, 42, 2, 1, 6, 1, 4, 22, {0, 6}});
  expect_row({2, 19, 5, 1, 10, 0, 4, 31, {6, 7, 8, 4, 1}});
}

// ---------------------------------------------------------------------------------------------
// Invariants over many seeds.

TEST(PlatformInvariants, LevelShapeOverManySeeds) {
  auto s = std::make_unique<GameState>();
  constexpr uint32_t kSeeds = 3000;
  long coins = 0, walkers = 0, flyers = 0, with_ladder = 0, with_crate = 0;
  for (uint32_t i = 0; i < kSeeds; ++i) {
    // Training seeds first, then seeds spread over the 32-bit range.
    const uint32_t seed = i < 500 ? i : i * 2654435761u;
    platforms().generate(seed, false, *s);
    const TileGrid& g = s->grid;
    SCOPED_TRACE("seed " + std::to_string(seed));
    // §4.2 border.
    for (int k = 0; k < kGridSize; ++k) {
      ASSERT_TRUE(g.solid(k, 0));
      ASSERT_EQ(g.get(0, k), Tile::Ground);
      ASSERT_EQ(g.get(kGridSize - 1, k), Tile::Ground);
      ASSERT_EQ(g.get(k, kGridSize - 1), Tile::Ground);
    }
    ASSERT_GE(s->spawn_x, 1);
    ASSERT_LE(s->spawn_x, 62);
    ASSERT_EQ(s->spawn_y, 1);
    ASSERT_EQ(s->agent.x, static_cast<float>(s->spawn_x));
    ASSERT_EQ(s->agent.y, 1.0f);
    bool ladder = false, crate = false;
    int coin_tiles = 0;
    for (int y = 0; y < kGridSize; ++y) {
      for (int x = 0; x < kGridSize; ++x) {
        const Tile t = g.get(x, y);
        // No generation-only codes survive the post-pass; nothing lethal is generated.
        ASSERT_NE(t, Tile::Trace);
        ASSERT_NE(t, Tile::WalkerMarker);
        ASSERT_NE(t, Tile::FlyerMarker);
        ASSERT_NE(t, Tile::SawMarker);
        ASSERT_FALSE(is_lethal(t));
        ladder |= t == Tile::Ladder;
        crate |= is_crate(t);
        // §4.6 step 2: a cap resting on a wall became plain surface.
        if (t == Tile::PlatformLeft || t == Tile::PlatformRight) {
          ASSERT_FALSE(g.solid(x, y - 1));
        }
        // §4.6 step 3: a wall with a wall on top of it is interior ground.
        if (y < kGridSize - 1 && is_solid(t) && g.solid(x, y + 1) && y > 0) {
          ASSERT_EQ(t, Tile::Ground);
        }
        if (t != Tile::Coin) continue;
        ++coin_tiles;
        // PLACE_COINS conditions, still true in the final level.
        ASSERT_GT(y, 2);
        ASSERT_EQ(g.get(x - 1, y), Tile::Empty);
        ASSERT_EQ(g.get(x + 1, y), Tile::Empty);
        ASSERT_EQ(g.get(x, y + 1), Tile::Empty);
        for (int dx = -1; dx <= 1; ++dx) ASSERT_TRUE(solid_or_crate(g.get(x + dx, y - 1)));
      }
    }
    ASSERT_EQ(coin_tiles, s->coins_total);
    ASSERT_EQ(s->coins_needed, s->coins_total);
    ASSERT_GT(s->coins_total, 0);
    for (int m = 0; m < s->num_monsters; ++m) {
      const Monster& mo = s->monsters[m];
      const int x = static_cast<int>(mo.x), y = static_cast<int>(mo.y);
      ASSERT_NE(mo.kind, MonsterKind::Saw);
      ASSERT_EQ(mo.vx, 0.01f);
      if (mo.kind == MonsterKind::Walker) {
        ASSERT_LT(mo.look, 9);
        ASSERT_FALSE(g.solid(x - 1, y));
        ASSERT_FALSE(g.solid(x + 1, y));
        ++walkers;
      } else {
        ASSERT_EQ(mo.look, 0);
        ASSERT_GT(y, 2);
        ASSERT_FALSE(g.solid(x, y - 1));
        ++flyers;
      }
    }
    ASSERT_LT(s->cosmetics.agent_look, 5);
    ASSERT_LT(s->cosmetics.ground_theme, 6);
    ASSERT_LT(s->cosmetics.background, 34);
    coins += s->coins_total;
    with_ladder += ladder;
    with_crate += crate;
  }
  const double n = kSeeds;
  std::printf("[platform stats] %u seeds: %.2f coins, %.2f walkers, %.2f flyers per level; "
              "ladders in %.1f%%, crates in %.1f%%\n",
              kSeeds, coins / n, walkers / n, flyers / n, 100.0 * with_ladder / n,
              100.0 * with_crate / n);
  // §4.4 "typical numbers" (15 coins, 5.5 walkers, 0.8 flyers, ladders and crates in almost
  // every level); the original's source gives somewhat more (docs/games.md), so loose bounds.
  EXPECT_GT(coins / n, 12.0);
  EXPECT_LT(coins / n, 19.0);
  EXPECT_GT(walkers / n, 4.5);
  EXPECT_LT(walkers / n, 7.0);
  EXPECT_GT(flyers / n, 0.5);
  EXPECT_LT(flyers / n, 1.3);
  EXPECT_GT(with_ladder / n, 0.9);
  EXPECT_GT(with_crate / n, 0.9);
}

TEST(PlatformInvariants, Deterministic) {
  for (uint32_t seed : {0u, 3u, 999u, 123456789u, 4294967295u}) {
    auto a = level(seed);
    auto b = level(seed);
    EXPECT_EQ(a->grid, b->grid);
    ASSERT_EQ(a->num_monsters, b->num_monsters);
    for (int i = 0; i < a->num_monsters; ++i) {
      EXPECT_EQ(a->monsters[i].x, b->monsters[i].x);
      EXPECT_EQ(a->monsters[i].look, b->monsters[i].look);
    }
    EXPECT_EQ(a->coins_total, b->coins_total);
    EXPECT_EQ(a->cosmetics.background, b->cosmetics.background);
    // The high-difficulty flag has no effect on Platforms (§3.3).
    auto h = std::make_unique<GameState>();
    platforms().generate(seed, true, *h);
    EXPECT_EQ(h->grid, a->grid);
  }
  // A reused state (the env's case) gives the same level as a fresh one.
  auto reused = level(7);
  platforms().generate(0, false, *reused);
  EXPECT_EQ(reused->grid, level(0)->grid);
  EXPECT_EQ(reused->num_monsters, level(0)->num_monsters);
}

// ---------------------------------------------------------------------------------------------
// Rewards through Game::step: +1 per coin, +10 for the last one, which ends the level.

TEST(PlatformStep, CoinsPayOneThenTenForTheLast) {
  auto s = level(0);
  s->grid.fill(Tile::Empty);
  add_border(s->grid);
  s->num_monsters = 0;
  for (int x : {8, 12, 16}) s->grid.set(x, 1, Tile::Coin);
  s->coins_total = s->coins_needed = 3;
  s->agent = Agent{};
  s->agent.x = 4.0f;
  s->agent.y = 1.0f;
  std::vector<float> rewards;
  for (int t = 0; t < 60 && !s->level_over; ++t) {
    s->pending_reward = 0;
    platforms().step(*s, 1);  // run right
    if (s->pending_reward != 0) rewards.push_back(s->pending_reward);
  }
  EXPECT_EQ(rewards, (std::vector<float>{1.0f, 1.0f, 10.0f}));
  EXPECT_TRUE(s->level_over);
  EXPECT_TRUE(s->level_complete);
  EXPECT_FALSE(s->died);
  EXPECT_EQ(s->coins_needed, 0);
}

TEST(PlatformStep, MonstersMoveBeforeTheAgentAndKill) {
  auto s = level(0);
  s->grid.fill(Tile::Empty);
  add_border(s->grid);
  s->num_monsters = 0;
  s->add_monster(make_monster(MonsterKind::Walker, 10, 1, 0));
  s->agent = Agent{};
  s->agent.x = 11.2f;
  s->agent.y = 1.0f;
  s->pending_reward = 0;
  // Tick 1: the walker moves first, to 10.109 (vx = 0.1 + 0.9 * 0.01), and is tested against
  // the agent at 11.2: distance 1.091, no contact. Tick 2: it reaches 10.307, within 1.
  platforms().step(*s, 2);
  EXPECT_FALSE(s->level_over);
  EXPECT_NEAR(s->monsters[0].x, 10.109f, 1e-5f);
  platforms().step(*s, 2);
  EXPECT_TRUE(s->level_over);
  EXPECT_TRUE(s->died);
  EXPECT_EQ(s->pending_reward, 0.0f);
}

TEST(PlatformStep, InfoMatchesSpec) {
  const GameInfo& i = platforms().info();
  EXPECT_EQ(i.name, "platform");
  EXPECT_EQ(i.engine_id, 1001);
  EXPECT_EQ(i.max_age, 1000);
  EXPECT_EQ(i.zoom, 5.0f);
  EXPECT_FALSE(i.paint_vel_info_default);
}

// ---------------------------------------------------------------------------------------------
// Reachability model 1: the generator's jump model on the final grid.

class GeneratorArcModel {
 public:
  explicit GeneratorArcModel(const TileGrid& g) : g_(g) {}

  // Returns, for every coin, whether some chain of walks, falls, ladder climbs and
  // generator-style arcs from the spawn touches its tile.
  std::vector<bool> reach(int spawn_x, int spawn_y, const std::vector<Cell>& coins) {
    std::deque<Cell> queue;
    auto visit = [&](Cell c) {
      if (!TileGrid::in_bounds(c.x, c.y) || seen_[c.x][c.y]) return;
      seen_[c.x][c.y] = true;
      touched_[c.x][c.y] = true;
      queue.push_back(c);
    };
    visit(fall({spawn_x, spawn_y}));
    while (!queue.empty()) {
      const Cell c = queue.front();
      queue.pop_front();
      for (int dir : {-1, 1}) {
        if (!g_.solid(c.x + dir, c.y)) visit(fall({c.x + dir, c.y}));
      }
      if (on_ladder(c)) {
        if (!g_.solid(c.x, c.y + 1)) visit({c.x, c.y + 1});
        if (!g_.solid(c.x, c.y - 1)) visit(fall({c.x, c.y - 1}));
      }
      if (supported(c)) jumps(c, visit);
    }
    std::vector<bool> out;
    for (const Cell& k : coins) out.push_back(touched_[k.x][k.y]);
    return out;
  }

 private:
  bool supported(Cell c) const { return solid_or_crate(g_.get(c.x, c.y - 1)); }
  bool on_ladder(Cell c) const {
    return g_.get(c.x, c.y) == Tile::Ladder || g_.get(c.x, c.y - 1) == Tile::Ladder;
  }
  // Straight down through open cells until supported or holding a ladder; cells passed are
  // touched on the way.
  Cell fall(Cell c) {
    while (!supported(c) && !on_ladder(c) && c.y > 0) {
      touched_[c.x][c.y] = true;
      c.y -= 1;
    }
    return c;
  }

  // The generator's arc (§4.4 jump branch) from standing cell c, for a grid of its hv and vv
  // ranges: start one row above the standing cell, each tick vv -= 0.2, x += hv, y += vv, all
  // in float as the generator. The point enters cells one by one; a solid cell stops the arc
  // (the agent drops from the last open cell); descending into an open cell that has
  // ground or a crate under it lands there.
  template <typename Visit>
  void jumps(Cell c, Visit& visit) {
    constexpr int kHorizontalSamples = 21;  // hv in [-0.25, 0.25]
    constexpr int kVerticalSamples = 7;     // vv in [1.2, 1.5]
    constexpr int kMaxTicks = 60;
    for (int hi = 0; hi < kHorizontalSamples; ++hi) {
      const float hv = -0.25f + 0.5f * static_cast<float>(hi) / (kHorizontalSamples - 1);
      for (int vi = 0; vi < kVerticalSamples; ++vi) {
        float vv = 1.2f + 0.3f * static_cast<float>(vi) / (kVerticalSamples - 1);
        float px = static_cast<float>(c.x);
        float py = static_cast<float>(c.y + 1);
        Cell cur{c.x, c.y + 1};
        if (g_.solid(cur.x, cur.y)) continue;
        touched_[cur.x][cur.y] = true;
        for (int t = 0; t < kMaxTicks; ++t) {
          vv -= 0.2f;
          px += hv;
          py += vv;
          const Cell next{static_cast<int>(std::floor(px)), static_cast<int>(std::floor(py))};
          if (next.x == cur.x && next.y == cur.y) continue;
          if (!TileGrid::in_bounds(next.x, next.y) || g_.solid(next.x, next.y)) {
            visit(fall(cur));
            break;
          }
          cur = next;
          touched_[cur.x][cur.y] = true;
          if (vv < 0 && supported(cur)) {
            visit(cur);
            break;
          }
        }
      }
    }
  }

  const TileGrid& g_;
  std::array<std::array<bool, kGridSize>, kGridSize> seen_{};
  std::array<std::array<bool, kGridSize>, kGridSize> touched_{};
};

// ---------------------------------------------------------------------------------------------
// Reachability model 2: the real physics with scripted moves.

class PhysicsSearch {
 public:
  explicit PhysicsSearch(const GameState& level)
      : level_(std::make_unique<GameState>(level)), work_(std::make_unique<GameState>(level)),
        coins_(coins_of(level)), reached_(coins_.size(), false) {
    work_->num_monsters = 0;  // geometry only: walkers and flyers move and are avoidable
  }

  std::vector<bool> reach(int max_states) {
    std::vector<Agent> frontier = {work_->agent};
    seen_.insert(key(work_->agent));
    int expanded = 0;
    while (!frontier.empty() && expanded < max_states) {
      std::vector<Agent> next;
      for (const Agent& start : frontier) {
        if (++expanded > max_states) break;
        for (const Move& m : moves_) {
          Agent end;
          if (play(start, m, end) && seen_.insert(key(end)).second) next.push_back(end);
        }
      }
      frontier = std::move(next);
    }
    return reached_;
  }

 private:
  struct Move {
    int run_dir = 0, run_ticks = 0;  // run-up before anything else
    bool jump = false;
    int steer = 0, steer_delay = 0;  // air steering after take-off...
    int steer_ticks = 1000;          // ...for this many ticks
    int climb = 0, climb_ticks = 0;  // ladder: dy held for a while
    int exit_dir = 0, exit_ticks = 0;  // then sideways, e.g. off a ladder's top onto a platform
  };

  static std::vector<Move> make_moves() {
    std::vector<Move> m;
    for (int dir : {-1, 1}) {
      for (int ticks : {1, 2, 4, 8, 16}) m.push_back({dir, ticks});
    }
    for (int dir : {-1, 0, 1}) {
      for (int run : {0, 3, 8}) {
        if (dir == 0 && run > 0) continue;
        for (int steer : {-1, 0, 1}) {
          for (int delay : {0, 3, 6, 10}) {
            m.push_back({dir, run, true, steer, delay});
            if (steer != 0) m.push_back({dir, run, true, steer, delay, 3});
          }
        }
      }
    }
    for (int dy : {-1, 1}) {
      for (int ticks : {3, 8, 20, 45}) {
        for (int exit : {-1, 0, 1}) m.push_back({0, 0, false, 0, 0, 1000, dy, ticks, exit, 6});
      }
    }
    return m;
  }

  static std::tuple<int, int, bool> key(const Agent& a) {
    return {static_cast<int>(std::lround(a.x * 10.0f)), static_cast<int>(std::lround(a.y * 4.0f)),
            a.climbing};
  }

  bool tick(int dx, int dy) {
    update_agent_platformer(*work_, dx, dy);
    return work_->agent.y > 0.0f;
  }

  bool standing() const { return testing::standing_on_support(*work_); }

  // Runs one move from `start`; on success `end` is a rest state (standing still, or hanging
  // on a ladder). Coins touched on the way are recorded and put back.
  bool play(const Agent& start, const Move& m, Agent& end) {
    work_->agent = start;
    work_->coins_needed = 1 << 20;  // never "the last coin": the level never ends here
    bool ok = true;
    for (int t = 0; ok && t < m.run_ticks; ++t) ok = tick(m.run_dir, 0);
    if (ok && m.jump) {
      ok = tick(m.run_dir, 1);
      bool airborne = false;
      for (int t = 0; ok && t < 80; ++t) {
        const bool steering = t >= m.steer_delay && t < m.steer_delay + m.steer_ticks;
        ok = tick(steering ? m.steer : 0, 0);
        if (!standing()) airborne = true;
        if (airborne && standing()) break;
      }
    }
    for (int t = 0; ok && t < m.climb_ticks; ++t) ok = tick(0, m.climb);
    for (int t = 0; ok && m.exit_dir != 0 && t < m.exit_ticks; ++t) ok = tick(m.exit_dir, 0);
    // Settle: no input until still (on the ground) or slowed down (on a ladder).
    for (int t = 0; ok && t < 60; ++t) {
      const Agent& a = work_->agent;
      if ((a.climbing && std::fabs(a.vx) + std::fabs(a.vy) < 1e-3f) ||
          (!a.climbing && a.vx == 0 && standing())) {
        break;
      }
      ok = tick(0, 0);
    }
    for (size_t i = 0; i < coins_.size(); ++i) {
      if (work_->grid.get(coins_[i].x, coins_[i].y) != Tile::Coin) {
        reached_[i] = true;
        work_->grid.set(coins_[i].x, coins_[i].y, Tile::Coin);
      }
    }
    const Agent& a = work_->agent;
    const bool rest = a.climbing || (a.vx == 0 && standing());
    end = a;
    return ok && rest;
  }

  std::unique_ptr<GameState> level_;
  std::unique_ptr<GameState> work_;
  std::vector<Cell> coins_;
  std::vector<bool> reached_;
  std::set<std::tuple<int, int, bool>> seen_;
  std::vector<Move> moves_ = make_moves();
};

struct ReachCount {
  long coins = 0, reached = 0, levels = 0, complete_levels = 0;
  uint32_t first_incomplete = 0;
  bool any_incomplete = false;
  void add(uint32_t seed, const std::vector<bool>& r) {
    long got = 0;
    for (bool b : r) got += b;
    coins += static_cast<long>(r.size());
    reached += got;
    ++levels;
    if (got == static_cast<long>(r.size())) {
      ++complete_levels;
    } else if (!any_incomplete) {
      any_incomplete = true;
      first_incomplete = seed;
    }
  }
  void print(const char* name) const {
    std::printf("[%s] %ld/%ld coins reachable (%.1f%%); %ld/%ld levels fully clearable; "
                "first incomplete seed %s\n",
                name, reached, coins, 100.0 * reached / coins, complete_levels, levels,
                any_incomplete ? std::to_string(first_incomplete).c_str() : "none");
  }
};

TEST(PlatformReachability, GeneratorArcModelOverManySeeds) {
  ReachCount count;
  auto s = std::make_unique<GameState>();
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    platforms().generate(seed, false, *s);
    const std::vector<Cell> coins = coins_of(*s);
    count.add(seed, GeneratorArcModel(s->grid).reach(s->spawn_x, s->spawn_y, coins));
  }
  count.print("generator-arc model");
  // Measured: see docs/games.md. The bound guards against regressions in the generator.
  EXPECT_GT(static_cast<double>(count.reached) / count.coins, 0.85);
}

// 25 training seeds by default (about 10 s); COINRUN_PLATFORM_REACH_SEEDS=N sweeps seeds 0..N-1
// (the figures in docs/games.md come from N = 1000).
TEST(PlatformReachability, PhysicsSearchOnTrainingSeeds) {
  ReachCount count;
  auto s = std::make_unique<GameState>();
  uint32_t seeds = 25;
  if (const char* env = std::getenv("COINRUN_PLATFORM_REACH_SEEDS")) {
    seeds = static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
  }
  for (uint32_t seed = 0; seed < seeds; ++seed) {
    platforms().generate(seed, false, *s);
    count.add(seed, PhysicsSearch(*s).reach(4000));
  }
  count.print("physics search");
  EXPECT_GT(static_cast<double>(count.reached) / count.coins, 0.85);
}

// The search itself: a coin on an unreachable ledge is reported unreachable, a coin on a low
// platform next to the spawn is reachable in both models.
TEST(PlatformReachability, ModelsRejectUnreachableCoins) {
  auto s = level(0);
  s->grid.fill(Tile::Empty);
  add_border(s->grid);
  s->num_monsters = 0;
  for (int x = 10; x <= 14; ++x) s->grid.set(x, 4, Tile::Surface);  // low platform
  s->grid.set(12, 5, Tile::Coin);
  for (int x = 40; x <= 44; ++x) s->grid.set(x, 30, Tile::Surface);  // far too high
  s->grid.set(42, 31, Tile::Coin);
  s->agent = Agent{};
  s->agent.x = 5.0f;
  s->agent.y = 1.0f;
  s->coins_total = s->coins_needed = 2;
  const std::vector<Cell> coins = coins_of(*s);
  ASSERT_EQ(coins.size(), 2u);
  const std::vector<bool> arc = GeneratorArcModel(s->grid).reach(5, 1, coins);
  const std::vector<bool> phys = PhysicsSearch(*s).reach(4000);
  EXPECT_EQ(arc, (std::vector<bool>{true, false}));
  EXPECT_EQ(phys, (std::vector<bool>{true, false}));
  // A ladder up to the high platform makes its coin reachable in both.
  for (int y = 1; y <= 30; ++y) s->grid.set(39, y, Tile::Ladder);
  EXPECT_EQ(GeneratorArcModel(s->grid).reach(5, 1, coins_of(*s)),
            (std::vector<bool>{true, true}));
  EXPECT_EQ(PhysicsSearch(*s).reach(4000), (std::vector<bool>{true, true}));
}

}  // namespace
}  // namespace coinrun
