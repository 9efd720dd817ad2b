// RandomMazes: the original generator's reference outputs (docs/rules.md §4.8), structural
// invariants over thousands of seeds (coin reachable with the 7 maze moves), movement
// (§5.9: diagonals with corner cutting, TOUCH once, coin-on-start quirk), rewards and the
// 500-tick limit, and the first-episode zoom quirk (§7.2).
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/level_sampler.h"
#include "games/games.h"
#include "games/maze_gen.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

const Game& maze() { return random_mazes_game(); }

using namespace testing;  // test_helpers.h

struct Row {
  uint32_t seed;
  bool high;
  int d, n, coin_x, coin_y, look, ground, bg;
};

// docs/rules.md §4.8, maze rows.
constexpr std::array<Row, 5> kRows = {{
    {0, false, 1, 3, 3, 2, 3, 1, 5},
    {1, false, 2, 13, 2, 3, 1, 4, 29},
    {3, false, 3, 19, 1, 15, 1, 0, 16},
    {0, true, 4, 25, 12, 11, 0, 5, 21},
    {1, true, 4, 23, 19, 9, 1, 1, 31},
}};

TEST(MazeLevel, ReferenceRows) {
  for (const Row& r : kRows) {
    SCOPED_TRACE("seed " + std::to_string(r.seed) + (r.high ? " high" : " normal"));
    auto s = generated_level(maze(), r.seed, r.high);
    EXPECT_EQ(s->difficulty, r.d);
    EXPECT_EQ(s->maze_size, r.n);
    EXPECT_EQ(s->num_monsters, 0);
    expect_single_coin_at(*s, r.coin_x, r.coin_y);
    EXPECT_EQ(s->spawn_x, 1);
    EXPECT_EQ(s->spawn_y, 1);
    EXPECT_EQ(s->agent.x, 1.0f);
    EXPECT_EQ(s->agent.y, 1.0f);
    EXPECT_EQ(s->cosmetics.agent_look, r.look);
    EXPECT_EQ(s->cosmetics.ground_theme, r.ground);
    EXPECT_EQ(s->cosmetics.background, r.bg);
  }
}

TEST(MazeLevel, PictureSeed0) {
  auto s = generated_level(maze(), 0, false);
  const std::vector<std::string> want = {"AAAAA", "A...A", "AAA1A", "A...A", "AAAAA"};
  EXPECT_EQ(grid_picture(*s, 5, 5), want);
}

TEST(MazeLevel, PictureSeed1) {
  auto s = generated_level(maze(), 1, false);
  const std::vector<std::string> want = {
      "AAAAAAAAAAAAAAA", "A.........A.A.A", "A.AAA.AAAAA.A.A", "A...A.........A",
      "A.AAAAA.AAAAAAA", "A.A...A...A.A.A", "AAA.A.A.A.A.A.A", "A...A...A.....A",
      "AAAAAAA.AAA.A.A", "A...A...A...A.A", "AAA.A.A.A.AAAAA", "A.1...A.A.A...A",
      "A.A.AAA.AAA.A.A", "A.A...A.....A.A", "AAAAAAAAAAAAAAA"};
  EXPECT_EQ(grid_picture(*s, 15, 15), want);
}

TEST(MazeLevel, NothingOutsideTheMazeSquare) {
  auto s = generated_level(maze(), 1, false);
  for (int y = 0; y < kGridSize; ++y) {
    for (int x = 0; x < kGridSize; ++x) {
      if (x >= 15 || y >= 15) {
        ASSERT_EQ(s->grid.get(x, y), Tile::Empty) << x << "," << y;
      }
    }
  }
}

// §4.8: difficulty counts over the paper's training set.
TEST(MazeLevel, DifficultyCountsOverTrainingSet) {
  std::array<int, 5> count{};
  auto s = std::make_unique<GameState>();
  for (uint32_t seed = 0; seed < 500; ++seed) {
    maze().generate(seed, false, *s);
    ASSERT_GE(s->difficulty, 1);
    ASSERT_LE(s->difficulty, 4);
    ++count[s->difficulty];
  }
  EXPECT_EQ(count[1], 121);
  EXPECT_EQ(count[2], 129);
  EXPECT_EQ(count[3], 128);
  EXPECT_EQ(count[4], 122);
}

TEST(MazeLevel, SizesFollowDifficulty) {
  auto s = std::make_unique<GameState>();
  std::array<int, 26> seen{};
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    maze().generate(seed, false, *s);
    const int lo = 2 * (3 * (s->difficulty - 1) + 1) + 1;
    ASSERT_GE(s->maze_size, lo);
    ASSERT_LE(s->maze_size, lo + 4);
    ASSERT_EQ(s->maze_size % 2, 1);
    ++seen[s->maze_size];
  }
  for (int n = 3; n <= 25; n += 2) EXPECT_GT(seen[n], 0) << "size " << n << " never drawn";
  for (uint32_t seed = 0; seed < 500; ++seed) {
    maze().generate(seed, true, *s);
    ASSERT_EQ(s->difficulty, 4);
    ASSERT_TRUE(s->maze_size == 21 || s->maze_size == 23 || s->maze_size == 25);
  }
}

// The high-difficulty flag skips the difficulty draw (§3.3): the size then uses the first raw
// output, which normal mode spends on the difficulty.
TEST(MazeLevel, HighDifficultySkipsTheDraw) {
  for (uint32_t seed : {0u, 1u, 2u, 3u, 99u}) {
    Rng probe(seed);
    const uint32_t r0 = probe.raw();
    const uint32_t r1 = probe.raw();
    TileGrid g;
    Rng high(seed);
    EXPECT_EQ(generate_maze(high, true, g).size, 2 * (static_cast<int>(r0 % 3) + 9 + 1) + 1);
    Rng normal(seed);
    const MazeLayout m = generate_maze(normal, false, g);
    EXPECT_EQ(m.difficulty, 1 + static_cast<int>(r0 % 4));
    EXPECT_EQ(m.size, 2 * (static_cast<int>(r1 % 3) + 3 * (m.difficulty - 1) + 1) + 1);
    // Every room but the first is joined by one opened link, three carved cells each.
    const int rooms_per_side = (m.size + 1) / 2;
    EXPECT_EQ(m.carved_count, 3 * (rooms_per_side * rooms_per_side - 1));
  }
}

// Cells reachable from the spawn with the seven maze moves (§5.2, §5.9).
std::vector<std::array<int, 2>> reachable(const TileGrid& g, int sx, int sy) {
  std::array<std::array<bool, kGridSize>, kGridSize> seen{};
  std::deque<std::array<int, 2>> queue{{sx, sy}};
  std::vector<std::array<int, 2>> out;
  seen[sx][sy] = true;
  while (!queue.empty()) {
    const auto [x, y] = queue.front();
    queue.pop_front();
    out.push_back({x, y});
    for (int a = 0; a < kNumActions; ++a) {
      const int nx = x + kActionDx[a], ny = y + kActionDy[a];
      if (!TileGrid::in_bounds(nx, ny) || g.solid(nx, ny) || seen[nx][ny]) continue;
      seen[nx][ny] = true;
      queue.push_back({nx, ny});
    }
  }
  return out;
}

// Over thousands of seeds in both modes: a closed wall square, pillars walls, a spanning tree
// of the rooms (2 * rooms - 1 open cells), one coin, reachable from the spawn with the maze's
// moves; moves never leave the square.
TEST(MazeInvariants, CoinReachableAndTreeShapedOverManySeeds) {
  auto s = std::make_unique<GameState>();
  for (int mode = 0; mode < 2; ++mode) {
    const bool high = mode == 1;
    const uint32_t count = high ? 2000 : 5000;
    for (uint32_t seed = 0; seed < count; ++seed) {
      maze().generate(seed, high, *s);
      const int n = s->maze_size;
      const TileGrid& g = s->grid;
      int open = 0;
      for (int y = 0; y < n + 2; ++y) {
        for (int x = 0; x < n + 2; ++x) {
          const bool edge = x == 0 || y == 0 || x == n + 1 || y == n + 1;
          const bool pillar = (x - 1) % 2 == 1 && (y - 1) % 2 == 1;
          if (edge || pillar) {
            ASSERT_EQ(g.get(x, y), Tile::Ground) << seed << " " << x << "," << y;
          }
          if (!g.solid(x, y)) ++open;
        }
      }
      const int rooms = ((n + 1) / 2) * ((n + 1) / 2);
      ASSERT_EQ(open, 2 * rooms - 1) << "seed " << seed;
      const CoinPos c = find_coin(*s);
      ASSERT_EQ(c.count, 1) << "seed " << seed;
      bool coin_reached = false;
      const auto cells = reachable(g, s->spawn_x, s->spawn_y);
      ASSERT_EQ(static_cast<int>(cells.size()), open) << "seed " << seed;
      for (const auto& cell : cells) {
        ASSERT_LE(cell[0], n);
        ASSERT_LE(cell[1], n);
        if (cell[0] == c.x && cell[1] == c.y) coin_reached = true;
      }
      ASSERT_TRUE(coin_reached) << "seed " << seed;
    }
  }
}

TEST(MazeInvariants, Deterministic) {
  for (uint32_t seed : {0u, 5u, 77u, 123456u, 4294967295u}) {
    for (bool high : {false, true}) {
      auto a = generated_level(maze(), seed, high);
      auto b = generated_level(maze(), seed, high);
      EXPECT_EQ(a->grid, b->grid);
      EXPECT_EQ(a->difficulty, b->difficulty);
      EXPECT_EQ(a->maze_size, b->maze_size);
      EXPECT_EQ(a->cosmetics.background, b->cosmetics.background);
    }
  }
  // A reused state gives the same level as a fresh one (nothing leaks between levels).
  auto reused = generated_level(maze(), 1, true);
  maze().generate(0, false, *reused);
  EXPECT_EQ(reused->grid, generated_level(maze(), 0, false)->grid);
}

// A hand-made 5 x 5 room for movement tests: walls around, a pillar in the middle.
std::unique_ptr<GameState> room() {
  auto s = generated_level(maze(), 0, false);
  TileGrid& g = s->grid;
  g.fill(Tile::Empty);
  for (int i = 0; i < 7; ++i) {
    g.set(i, 0, Tile::Ground);
    g.set(i, 6, Tile::Ground);
    g.set(0, i, Tile::Ground);
    g.set(6, i, Tile::Ground);
  }
  s->coins_needed = s->coins_total = 1;
  s->agent.x = 1;
  s->agent.y = 1;
  return s;
}

void step(GameState& s, int action) {
  s.pending_reward = 0;
  maze().step(s, action);
}

TEST(MazeMovement, OrthogonalMovesAndWalls) {
  auto s = room();
  step(*s, 2);  // left into the wall: stays
  EXPECT_EQ(s->agent.x, 1.0f);
  step(*s, 6);  // down into the wall: stays
  EXPECT_EQ(s->agent.y, 1.0f);
  step(*s, 1);
  EXPECT_EQ(s->agent.x, 2.0f);
  step(*s, 3);
  EXPECT_EQ(s->agent.y, 2.0f);
  step(*s, 0);
  EXPECT_EQ(s->agent.x, 2.0f);
  EXPECT_EQ(s->agent.y, 2.0f);
  EXPECT_EQ(s->agent.vx, 0.0f);
  EXPECT_EQ(s->agent.vy, 0.0f);
}

TEST(MazeMovement, DiagonalCutsCornersBetweenWalls) {
  auto s = room();
  // Both orthogonal neighbours of the diagonal target are walls: the move still happens.
  s->grid.set(2, 1, Tile::Ground);
  s->grid.set(1, 2, Tile::Ground);
  step(*s, 4);  // up-right
  EXPECT_EQ(s->agent.x, 2.0f);
  EXPECT_EQ(s->agent.y, 2.0f);
  step(*s, 5);  // up-left
  EXPECT_EQ(s->agent.x, 1.0f);
  EXPECT_EQ(s->agent.y, 3.0f);
  // A wall on the diagonal target blocks the whole move (no sliding).
  s->grid.set(2, 4, Tile::Ground);
  step(*s, 4);
  EXPECT_EQ(s->agent.x, 1.0f);
  EXPECT_EQ(s->agent.y, 3.0f);
}

TEST(MazeMovement, CoinTakenOnceOnTheTileStoodOn) {
  auto s = room();
  s->grid.set(3, 1, Tile::Coin);
  step(*s, 1);
  EXPECT_EQ(s->pending_reward, 0.0f);
  EXPECT_FALSE(s->level_over);
  // Standing next to the coin does not take it: TOUCH looks at one tile only.
  EXPECT_EQ(s->grid.get(3, 1), Tile::Coin);
  step(*s, 1);
  EXPECT_EQ(s->pending_reward, 10.0f);
  EXPECT_TRUE(s->level_over);
  EXPECT_TRUE(s->level_complete);
  EXPECT_EQ(s->coins_needed, 0);
  EXPECT_EQ(s->grid.get(3, 1), Tile::Empty);
  step(*s, 0);
  EXPECT_EQ(s->pending_reward, 0.0f);
}

// §4.5 quirk: the coin may be drawn on the start cell; the first tick that ends there takes it
// (standing still or bumping a wall), a tick that moves away does not.
TEST(MazeMovement, CoinOnStartQuirk) {
  uint32_t seed = 0;
  auto s = std::make_unique<GameState>();
  for (;; ++seed) {
    ASSERT_LT(seed, 10000u) << "no level with the coin on the start cell";
    maze().generate(seed, false, *s);
    if (s->grid.get(1, 1) == Tile::Coin) break;
  }
  GameState moved = *s;
  step(moved, 1);  // right: leaves the start cell if (2, 1) is open
  if (!moved.grid.solid(2, 1)) {
    EXPECT_EQ(moved.agent.x, 2.0f);
    EXPECT_EQ(moved.pending_reward, 0.0f);
    EXPECT_EQ(moved.grid.get(1, 1), Tile::Coin);
  } else {
    EXPECT_EQ(moved.pending_reward, 10.0f);
  }
  step(*s, 2);  // left: into the outer wall, stays on the coin
  EXPECT_EQ(s->pending_reward, 10.0f);
  EXPECT_TRUE(s->level_over);
}

std::unique_ptr<Env> maze_env(double default_zoom) {
  PoolOptions opts;
  opts.game = "maze";
  opts.num_levels = 0;
  opts.default_zoom = default_zoom;
  return std::make_unique<Env>(maze(), opts, make_level_table(0, -1), 0);
}

// §5.1 / §6: the flag is set on tick 501 (age > 500), `done` arrives on step 502.
TEST(MazeEnv, TimeLimitDoneOnStep502) {
  auto env = maze_env(5.0);
  // Seed 1: the coin is far from the start, so standing still never takes it.
  env->start_episode(1u);
  int steps = 0;
  StepResult r;
  do {
    r = env->step(0);
    ++steps;
    ASSERT_LE(steps, 600);
  } while (!r.done());
  EXPECT_EQ(steps, 502);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.episode_length, 502);
  EXPECT_EQ(r.episode_return, 0.0f);
}

// §7.2 quirk: the creation-time zoom 5.0 applies to each env's first episode only.
TEST(MazeEnv, FirstEpisodeZoomQuirk) {
  auto env = maze_env(5.0);
  EXPECT_EQ(env->state().zoom, 5.0f);
  EXPECT_EQ(env->game().info().zoom, 7.5f);
  EXPECT_EQ(env->game().info().max_age, 500);
  env->start_episode();
  EXPECT_EQ(env->state().zoom, 7.5f);
  env->start_episode();
  EXPECT_EQ(env->state().zoom, 7.5f);
}

TEST(MazeEnv, CoinRewardThenDoneOneStepLate) {
  auto env = maze_env(5.0);
  env->start_episode(0u);  // n = 3: coin at (3, 2), reachable by right, right, up
  EXPECT_EQ(env->step(1).reward, 0.0f);
  EXPECT_EQ(env->step(1).reward, 0.0f);
  const StepResult take = env->step(3);
  EXPECT_EQ(take.reward, 10.0f);
  EXPECT_FALSE(take.done());
  const StepResult done = env->step(0);
  EXPECT_TRUE(done.done());
  EXPECT_TRUE(done.terminated);
  EXPECT_EQ(done.episode_return, 10.0f);
  EXPECT_EQ(done.episode_length, 4);
}

}  // namespace
}  // namespace coinrun
