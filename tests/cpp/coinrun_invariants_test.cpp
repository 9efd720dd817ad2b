// Level invariants of CoinRun ("standard") over thousands of seeds, both difficulty modes:
// border intact, one coin on a pillar before the closing wall, spawn free, no leftover markers,
// monsters in bounds on solid ground, and the coin reachable from the spawn.
//
// Reachability uses the real physics (§5.3-§5.6) driven by a small repertoire of scripted
// moves (walks, standing and running jumps, jumps that steer late), searched breadth-first
// over the rest positions the agent can reach. Lava kills, and every monster's start tile is
// treated as a static hazard (the Manhattan test of §5.8 against its start position). That is
// conservative: a level passes only if this restricted agent can take the coin, so the
// original agent, with every input and moving walkers that leave their start tiles, can too.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/physics.h"
#include "games/games.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

// Seeds per sweep, spread over the 32-bit range (the training seeds 0..499 are swept too).
constexpr int kNormalSeeds = 2000;
constexpr int kHighDifficultySeeds = 1000;

bool allowed_tile(Tile t) {
  switch (t) {
    case Tile::Empty: case Tile::Ground: case Tile::Surface: case Tile::CratePlain:
    case Tile::CrateDouble: case Tile::CrateSingle: case Tile::CrateWarning:
    case Tile::LavaTop: case Tile::Lava: case Tile::Coin:
      return true;
    default:
      return false;
  }
}

// One scripted move from rest: run `run` ticks with dx = dir, then optionally charge one tick
// and jump, steering with `steer` during flight ticks [delay, delay + duration), then let the
// agent settle.
struct Move {
  int dir;
  int run;
  bool jump;
  int steer;
  int delay;
  int duration;
};

constexpr int kWholeFlight = 1000;

std::vector<Move> repertoire() {
  std::vector<Move> moves;
  for (int dir : {-1, 1}) {
    for (int run : {1, 4}) moves.push_back({dir, run, false, 0, 0, 0});
    for (int run : {0, 3, 8}) {
      for (int delay : {0, 4}) moves.push_back({dir, run, true, dir, delay, kWholeFlight});
    }
  }
  moves.push_back({0, 0, true, 0, 0, 0});
  for (int steer : {-1, 1}) {
    for (int delay : {0, 4}) {
      for (int duration : {3, 6, kWholeFlight}) {
        moves.push_back({0, 0, true, steer, delay, duration});
      }
    }
  }
  return moves;
}

class Reachability {
 public:
  explicit Reachability(const GameState& level) : work_(std::make_unique<GameState>(level)) {
    for (int i = 0; i < level.num_monsters; ++i) {
      const Monster& m = level.monsters[i];
      if (m.kind == MonsterKind::Saw) hazards_.emplace_back(m.x, m.y);
    }
  }

  // Breadth-first over rest positions; true once some move takes the coin.
  bool coin_reachable() {
    const std::vector<Move> moves = repertoire();
    std::vector<Agent> frontier = {work_->agent};
    std::set<std::pair<int, int>> seen = {key(work_->agent)};
    while (!frontier.empty()) {
      std::vector<Agent> next;
      for (const Agent& start : frontier) {
        for (const Move& m : moves) {
          Agent end;
          switch (play(start, m, end)) {
            case Outcome::Coin: return true;
            case Outcome::Dead: break;
            case Outcome::Rest:
              if (seen.insert(key(end)).second) next.push_back(end);
              break;
          }
        }
      }
      frontier = std::move(next);
    }
    return false;
  }

 private:
  enum class Outcome { Rest, Dead, Coin };

  static std::pair<int, int> key(const Agent& a) {
    return {static_cast<int>(std::lround(a.x * 10.0f)), static_cast<int>(std::lround(a.y))};
  }

  bool standing() const { return testing::standing_on_support(*work_); }

  // One tick; false when the agent dies (lava or a hazard tile).
  bool tick(int dx, int dy) {
    update_agent_platformer(*work_, dx, dy);
    if (work_->died) return false;
    const Agent& a = work_->agent;
    for (const auto& [hx, hy] : hazards_) {
      if (std::fabs(hx - a.x) + std::fabs(hy - a.y) < 1.0f) return false;
    }
    return true;
  }

  Outcome play(const Agent& start, const Move& m, Agent& end) {
    work_->agent = start;
    work_->level_over = work_->died = work_->level_complete = false;
    auto step = [&](int dx, int dy) -> std::optional<Outcome> {
      if (!tick(dx, dy)) return Outcome::Dead;
      if (work_->level_complete) return Outcome::Coin;
      return std::nullopt;
    };
    for (int t = 0; t < m.run; ++t) {
      if (auto o = step(m.dir, 0)) return *o;
    }
    if (m.jump) {
      if (auto o = step(m.dir, 1)) return *o;
      bool airborne = false;
      for (int t = 0; t < 80; ++t) {
        const bool steering = t >= m.delay && t < m.delay + m.duration;
        if (auto o = step(steering ? m.steer : 0, 0)) return *o;
        if (!standing()) airborne = true;
        if (airborne && standing()) break;
      }
    }
    for (int t = 0; t < 40; ++t) {
      if (standing() && work_->agent.vx == 0 && work_->agent.spring == 0) {
        end = work_->agent;
        return Outcome::Rest;
      }
      if (auto o = step(0, 0)) return *o;
    }
    return Outcome::Dead;  // never settled: drop this branch
  }

  std::unique_ptr<GameState> work_;
  std::vector<std::pair<float, float>> hazards_;
};

void check_level(const GameState& s, const std::string& where) {
  SCOPED_TRACE(where);
  const TileGrid& g = s.grid;
  // Border (§4.2): walls left, right and top; floor S or A (A where a wall sits on it).
  for (int y = 0; y < kGridSize; ++y) {
    ASSERT_EQ(g.get(0, y), Tile::Ground);
    ASSERT_EQ(g.get(kGridSize - 1, y), Tile::Ground);
  }
  for (int x = 0; x < kGridSize; ++x) {
    ASSERT_EQ(g.get(x, kGridSize - 1), Tile::Ground);
    ASSERT_TRUE(is_solid(g.get(x, 0)));
  }
  // Only playable tiles are left: no markers, traces, ladders or platform caps.
  int coins = 0, coin_x = -1, coin_y = -1;
  for (int y = 0; y < kGridSize; ++y) {
    for (int x = 0; x < kGridSize; ++x) {
      const Tile t = g.get(x, y);
      ASSERT_TRUE(allowed_tile(t)) << "tile '" << static_cast<char>(t) << "' at " << x << ","
                                   << y;
      if (t == Tile::Coin) {
        ++coins;
        coin_x = x;
        coin_y = y;
      }
      // A wall with a wall on top of it is interior ground (§4.6 step 3).
      if (y + 1 < kGridSize && is_solid(t) && is_solid(g.get(x, y + 1)) && x > 0 &&
          x < kGridSize - 1 && y > 0) {
        ASSERT_EQ(t, Tile::Ground) << x << "," << y;
      }
    }
  }
  ASSERT_EQ(coins, 1);
  ASSERT_EQ(s.coins_total, 1);
  ASSERT_EQ(s.coins_needed, 1);
  // The coin stands on its pillar with the closing wall right of it and nothing beyond.
  ASSERT_GE(coin_x, 6);
  ASSERT_LE(coin_x, kGridSize - 3);
  ASSERT_GE(coin_y, 1);
  ASSERT_TRUE(is_solid(g.get(coin_x, coin_y - 1)));
  for (int y = 0; y < kGridSize; ++y) ASSERT_EQ(g.get(coin_x + 1, y), Tile::Ground);
  for (int x = coin_x + 2; x < kGridSize - 1; ++x) {
    for (int y = 1; y < kGridSize - 1; ++y) ASSERT_EQ(g.get(x, y), Tile::Empty);
  }
  // Spawn (§4.3): (1, 1) on the floor, the agent's two tiles free.
  ASSERT_EQ(s.spawn_x, 1);
  ASSERT_EQ(s.spawn_y, 1);
  ASSERT_EQ(g.get(1, 1), Tile::Empty);
  ASSERT_EQ(g.get(1, 2), Tile::Empty);
  ASSERT_TRUE(is_solid(g.get(1, 0)));
  ASSERT_EQ(s.agent.x, 1.0f);
  ASSERT_EQ(s.agent.y, 1.0f);
  // Monsters: saws and walkers only, in bounds, on an empty tile with ground under it;
  // walkers have room on both sides (§4.6 drop rule).
  ASSERT_LE(s.num_monsters, kMaxMonsters);
  for (int i = 0; i < s.num_monsters; ++i) {
    const Monster& m = s.monsters[i];
    const int x = static_cast<int>(m.x), y = static_cast<int>(m.y);
    ASSERT_NE(m.kind, MonsterKind::Flyer);
    ASSERT_GE(x, 1);
    ASSERT_LE(x, coin_x);
    ASSERT_GE(y, 1);
    ASSERT_LE(y, kGridSize - 2);
    ASSERT_EQ(g.get(x, y), Tile::Empty);
    ASSERT_TRUE(is_solid(g.get(x, y - 1)));
    if (m.kind == MonsterKind::Walker) {
      ASSERT_LT(m.look, 9);
      ASSERT_FALSE(is_solid(g.get(x - 1, y)));
      ASSERT_FALSE(is_solid(g.get(x + 1, y)));
    } else {
      ASSERT_EQ(m.look, 0);
    }
    // No monster starts within reach of the spawn.
    ASSERT_GE(std::fabs(m.x - s.agent.x) + std::fabs(m.y - s.agent.y), 1.0f);
  }
  ASSERT_GE(s.difficulty, 1);
  ASSERT_LE(s.difficulty, 3);
  ASSERT_LT(s.cosmetics.agent_look, 5);
  ASSERT_LT(s.cosmetics.ground_theme, 6);
  ASSERT_LT(s.cosmetics.background, 34);
}

void sweep(bool high_difficulty, uint32_t first_seed, int count) {
  auto s = std::make_unique<GameState>();
  int unreachable = 0;
  std::string first_bad;
  for (uint32_t i = 0; i < static_cast<uint32_t>(count); ++i) {
    const uint32_t seed = first_seed + i * 2654435761u;  // spread over the 32-bit range
    coinrun_game().generate(seed, high_difficulty, *s);
    const std::string where = "seed " + std::to_string(seed) + (high_difficulty ? " high" : "");
    check_level(*s, where);
    if (::testing::Test::HasFatalFailure()) return;
    if (!Reachability(*s).coin_reachable()) {
      ++unreachable;
      if (first_bad.empty()) first_bad = where;
    }
  }
  EXPECT_EQ(unreachable, 0) << "first: " << first_bad;
}

TEST(CoinrunInvariants, NormalDifficulty) { sweep(false, 0, kNormalSeeds); }
TEST(CoinrunInvariants, HighDifficulty) { sweep(true, 7, kHighDifficultySeeds); }

TEST(CoinrunInvariants, TrainingSeedsAreReachable) {
  auto s = std::make_unique<GameState>();
  for (uint32_t seed = 0; seed < 500; ++seed) {
    coinrun_game().generate(seed, false, *s);
    ASSERT_TRUE(Reachability(*s).coin_reachable()) << "seed " << seed;
  }
}

TEST(CoinrunInvariants, SearchRejectsAnUnreachableCoin) {
  // Sanity check of the search itself: a wall 7 high in front of the coin cannot be jumped.
  auto s = std::make_unique<GameState>();
  coinrun_game().generate(2, false, *s);  // coin at (8, 2)
  for (int y = 1; y < 9; ++y) s->grid.set(6, y, Tile::Ground);
  EXPECT_FALSE(Reachability(*s).coin_reachable());
  // And lava in the only path kills.
  coinrun_game().generate(2, false, *s);
  for (int x = 2; x < 8; ++x) s->grid.set(x, 1, Tile::LavaTop);
  EXPECT_FALSE(Reachability(*s).coin_reachable());
  coinrun_game().generate(2, false, *s);
  EXPECT_TRUE(Reachability(*s).coin_reachable());
}

}  // namespace
}  // namespace coinrun
