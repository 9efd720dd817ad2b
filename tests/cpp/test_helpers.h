#pragma once
// Helpers shared by the C++ tests: fingerprints, generated levels and their pictures, coin
// positions, the "standing on support" test of the reachability searches, pool options, and
// caller-owned batch rows (what a ring slot in shared memory is in the engine).
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/batch_view.h"
#include "core/game.h"
#include "base/game_state.h"
#include "core/options.h"
#include "base/tile_grid.h"

namespace coinrun::testing {

// ---- Fingerprints ---------------------------------------------------------------------------

// FNV-1a over a byte range: a compact fingerprint for comparing runs. Chain calls through `h`.
inline uint64_t fnv1a(const uint8_t* p, size_t n, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
inline uint64_t fnv1a(std::string_view s) {
  return fnv1a(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  return fnv1a(bytes.data(), bytes.size());
}

// ---- Levels ---------------------------------------------------------------------------------

// Level `seed` of `game`, freshly generated (docs/rules.md §4).
inline std::unique_ptr<GameState> generated_level(const Game& game, uint32_t seed,
                                                  bool high_difficulty = false) {
  auto s = std::make_unique<GameState>();
  game.generate(seed, high_difficulty, *s);
  return s;
}

// The bottom-left `width` x `height` tiles as printed in docs/rules.md §4.8: top row first,
// monsters shown by their markers at their start tiles.
inline std::vector<std::string> grid_picture(const GameState& s, int width, int height) {
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

struct Cell {
  int x, y;
};

// Every coin tile, bottom row first, left to right.
inline std::vector<Cell> coins_of(const GameState& s) {
  std::vector<Cell> out;
  for (int y = 0; y < kGridSize; ++y) {
    for (int x = 0; x < kGridSize; ++x) {
      if (s.grid.get(x, y) == Tile::Coin) out.push_back({x, y});
    }
  }
  return out;
}

// The coin of a one-coin level: its tile (the last found) and how many coins there are.
struct CoinPos {
  int x = -1, y = -1, count = 0;
};
inline CoinPos find_coin(const GameState& s) {
  const std::vector<Cell> coins = coins_of(s);
  CoinPos c;
  c.count = static_cast<int>(coins.size());
  if (!coins.empty()) {
    c.x = coins.back().x;
    c.y = coins.back().y;
  }
  return c;
}

// A one-coin level (standard, maze): exactly one coin tile, at (x, y), and one coin needed.
inline void expect_single_coin_at(const GameState& s, int x, int y) {
  const CoinPos c = find_coin(s);
  EXPECT_EQ(c.count, 1);
  EXPECT_EQ(c.x, x);
  EXPECT_EQ(c.y, y);
  EXPECT_EQ(s.coins_total, 1);
  EXPECT_EQ(s.coins_needed, 1);
}

// The agent rests on ground or a crate: no vertical speed, on a whole row, and one of the two
// floor probes of docs/rules.md §5.4 (x + 0.1, x + 0.9) finds a solid tile or a crate below.
inline bool standing_on_support(const GameState& s) {
  const Agent& a = s.agent;
  if (a.vy != 0 || a.y != std::floor(a.y)) return false;
  const int below = static_cast<int>(a.y) - 1;
  for (double off : {0.1, 0.9}) {
    const Tile t = s.grid.get(static_cast<int>(a.x + off), below);
    if (is_solid(t) || is_crate(t)) return true;
  }
  return false;
}

// ---- Pools ----------------------------------------------------------------------------------

inline PoolOptions pool_options(const std::string& game, int num_envs, int num_threads = 1,
                                uint32_t seed = 123) {
  PoolOptions o;
  o.game = game;
  o.num_envs = num_envs;
  o.num_threads = num_threads;
  o.seed = seed;
  return o;
}

// Heap-backed result rows for one batch of `n` envs.
struct BatchBuffers {
  size_t n;
  size_t obs_bytes;
  std::vector<uint8_t> obs;
  std::vector<float> reward, episode_return;
  std::vector<uint8_t> terminated, truncated, prev_level_complete;
  std::vector<uint32_t> level_seed;
  std::vector<int32_t> episode_length;

  BatchBuffers(int num_envs, size_t obs_bytes_per_env)
      : n(static_cast<size_t>(num_envs)), obs_bytes(obs_bytes_per_env), obs(n * obs_bytes),
        reward(n), episode_return(n), terminated(n), truncated(n), prev_level_complete(n),
        level_seed(n), episode_length(n) {}
  // Rows for every env of `pool` (an EnvPool; a template so that this header needs no pool).
  template <class Pool>
  explicit BatchBuffers(const Pool& pool) : BatchBuffers(pool.num_envs(), pool.obs_bytes()) {}

  BatchView view() {
    return BatchView{obs.data(),        obs_bytes,          reward.data(),
                     terminated.data(), truncated.data(),   level_seed.data(),
                     prev_level_complete.data(), episode_return.data(), episode_length.data()};
  }
  const uint8_t* frame(int i) const { return obs.data() + static_cast<size_t>(i) * obs_bytes; }
  // A copy of env i's observation row.
  std::vector<uint8_t> obs_of(int i) const { return {frame(i), frame(i) + obs_bytes}; }
};

}  // namespace coinrun::testing
