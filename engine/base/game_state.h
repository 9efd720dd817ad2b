#pragma once
// Plain data for everything that moves and everything a level is made of. Games and the
// shared physics are free functions over these structs (no god class), and the whole
// state is trivially copyable so that it can be saved and restored bit for bit.
#include <array>
#include <cstdint>
#include <type_traits>

#include "tile_grid.h"

namespace coinrun {

enum class MonsterKind : uint8_t { Saw = 0, Walker = 1, Flyer = 2 };

inline constexpr int kTrailLength = 14;  // docs/rules.md §5.8: 14-entry trail history
inline constexpr int kMaxMonsters = 256;  // far above any generated level (pits add <= 7)

struct Monster {
  float x = 0, y = 0, vx = 0, vy = 0;
  MonsterKind kind = MonsterKind::Saw;
  uint8_t look = 0;
  // Trail positions, index 0 the oldest, kTrailLength - 1 the newest (§7.5).
  std::array<float, kTrailLength> trail_x{};
  std::array<float, kTrailLength> trail_y{};
};

struct Agent {
  float x = 0, y = 0, vx = 0, vy = 0;
  float spring = 0;       // jump charge (§5.3)
  bool climbing = false;  // ladder mode
  bool facing_right = true;
};

// The three cosmetic draws of §4.7.
struct Cosmetics {
  uint8_t agent_look = 0;    // 0..4
  uint8_t ground_theme = 0;  // 0..5
  uint8_t background = 0;    // 0..33
};

struct GameState {
  TileGrid grid;
  std::array<Monster, kMaxMonsters> monsters;
  int num_monsters = 0;
  Agent agent;

  uint32_t level_seed = 0;
  int difficulty = 0;   // 0 where the game has none (platform)
  int maze_size = 0;    // inner size n of the maze, 0 for other games
  int spawn_x = 0, spawn_y = 0;
  int coins_total = 0;
  int coins_needed = 0;
  Cosmetics cosmetics;

  int clock = 0;  // animation clock T: ticks since the level started
  int age = 0;    // agent age A: ticks since the episode started
  float zoom = 5.0f;

  bool level_over = false;      // set by the event; `done` is reported one step later
  bool level_complete = false;  // all coins taken
  bool died = false;            // monster, lava or spikes
  float pending_reward = 0;     // reward collected in the current tick

  void add_monster(const Monster& m) {
    if (num_monsters < kMaxMonsters) monsters[num_monsters++] = m;
  }
};

static_assert(std::is_trivially_copyable_v<GameState>);

}  // namespace coinrun
