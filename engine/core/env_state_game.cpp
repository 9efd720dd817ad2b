// The GameState part of an env state (layout in docs/state.md): the
// fields one by one, the grid run-length coded, and range checks on every value read.
#include <algorithm>
#include <string_view>

#include "env_state_io.h"

namespace coinrun::state_io {
namespace {

// ---- the level grid, run-length encoded (row-major, y up) -----------------------------------
bool is_known_tile(uint8_t c) {
  static constexpr std::string_view kTiles = ".ASab#$&%^|P=12 GMF";
  return kTiles.find(static_cast<char>(c)) != std::string_view::npos;
}

void write_grid(Writer& w, const TileGrid& g) {
  const auto& cells = g.cells();
  uint32_t runs = 0;
  for (size_t i = 0; i < cells.size(); ++i) runs += (i == 0 || cells[i] != cells[i - 1]);
  w.varint(runs);
  for (size_t i = 0; i < cells.size();) {
    size_t j = i + 1;
    while (j < cells.size() && cells[j] == cells[i]) ++j;
    w.u8(static_cast<uint8_t>(cells[i]));
    w.varint(static_cast<uint32_t>(j - i));
    i = j;
  }
}

void read_grid(Reader& r, TileGrid& g) {
  auto& cells = g.cells();
  const uint32_t runs = r.varint();
  if (runs == 0 || runs > cells.size()) r.malformed("grid has " + std::to_string(runs) + " runs");
  size_t at = 0;
  for (uint32_t k = 0; k < runs; ++k) {
    const uint8_t tile = r.u8();
    if (!is_known_tile(tile)) r.malformed("unknown tile code " + std::to_string(tile));
    const uint32_t len = r.varint();
    if (len == 0 || len > cells.size() - at) r.malformed("grid run overflows the 64x64 grid");
    std::fill_n(cells.begin() + static_cast<std::ptrdiff_t>(at), len, static_cast<Tile>(tile));
    at += len;
  }
  if (at != cells.size()) r.malformed("grid runs cover " + std::to_string(at) + " of 4096 cells");
}

// ---- GameState ---------------------------------------------------------------------------
// Range checks on load. A state may come from a client, and a forged one with a valid
// checksum must not reach the physics or the renderer with values that no level can hold
// (a y of 1e30 never leaves a "step down until free" loop; a background index of 200 reads
// past the atlas). The bounds are generous: every legal state is far inside them.
constexpr float kWorldMin = -8.0f, kWorldMax = kGridSize + 8.0f;  // positions, grid ± 8 tiles
constexpr float kMaxSpeed = 64.0f;                                // tiles per tick
constexpr float kMinZoom = 0.5f, kMaxZoom = 64.0f;                // the default_zoom option range
constexpr int kAgentLooks = 5, kGroundThemes = 6, kBackgrounds = 34;  // §4.7
constexpr int kMaxMonsterLooks = 9;                                // walkers, §12.2
constexpr int kMaxDifficulty = 16;                                 // §4.1 uses 1..4

float position(Reader& r, const char* what) {
  const float v = r.f32();
  if (!(v >= kWorldMin && v <= kWorldMax)) {
    r.malformed(std::string(what) + " = " + std::to_string(v) + " is outside the world");
  }
  return v;
}
float speed(Reader& r, const char* what) {
  const float v = r.f32();
  if (!(v >= -kMaxSpeed && v <= kMaxSpeed)) {
    r.malformed(std::string(what) + " = " + std::to_string(v) + " is not a speed");
  }
  return v;
}
int ranged(Reader& r, const char* what, int lo, int hi) {
  const int32_t v = r.i32();
  if (v < lo || v > hi) {
    r.malformed(std::string(what) + " = " + std::to_string(v) + " is outside [" +
                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}
uint8_t index_below(Reader& r, const char* what, int n) {
  const uint8_t v = r.u8();
  if (v >= n) r.malformed(std::string(what) + " = " + std::to_string(v) + " (max " + std::to_string(n - 1) + ")");
  return v;
}

}  // namespace

void write_game_state(Writer& w, const GameState& s) {
  w.u32(s.level_seed);
  w.i32(s.difficulty);
  w.i32(s.maze_size);
  w.i32(s.spawn_x);
  w.i32(s.spawn_y);
  w.i32(s.coins_total);
  w.i32(s.coins_needed);
  w.u8(s.cosmetics.agent_look);
  w.u8(s.cosmetics.ground_theme);
  w.u8(s.cosmetics.background);
  w.i32(s.clock);
  w.i32(s.age);
  w.f32(s.zoom);
  w.boolean(s.level_over);
  w.boolean(s.level_complete);
  w.boolean(s.died);
  w.f32(s.pending_reward);
  const Agent& a = s.agent;
  for (float v : {a.x, a.y, a.vx, a.vy, a.spring}) w.f32(v);
  w.boolean(a.climbing);
  w.boolean(a.facing_right);
  write_grid(w, s.grid);
  w.u16(static_cast<uint16_t>(s.num_monsters));
  for (int i = 0; i < s.num_monsters; ++i) {
    const Monster& m = s.monsters[static_cast<size_t>(i)];
    for (float v : {m.x, m.y, m.vx, m.vy}) w.f32(v);
    w.u8(static_cast<uint8_t>(m.kind));
    w.u8(m.look);
    for (float v : m.trail_x) w.f32(v);
    for (float v : m.trail_y) w.f32(v);
  }
}

void read_game_state(Reader& r, GameState& s) {
  constexpr int kCells = kGridSize * kGridSize;
  constexpr int kBig = 1 << 30;  // counters: any non-negative value a run can reach
  s.level_seed = r.u32();
  s.difficulty = ranged(r, "difficulty", 0, kMaxDifficulty);
  s.maze_size = ranged(r, "maze_size", 0, kGridSize);
  s.spawn_x = ranged(r, "spawn_x", 0, kGridSize - 1);
  s.spawn_y = ranged(r, "spawn_y", 0, kGridSize - 1);
  s.coins_total = ranged(r, "coins_total", 0, kCells);
  s.coins_needed = ranged(r, "coins_needed", 0, kCells);
  s.cosmetics.agent_look = index_below(r, "agent_look", kAgentLooks);
  s.cosmetics.ground_theme = index_below(r, "ground_theme", kGroundThemes);
  s.cosmetics.background = index_below(r, "background", kBackgrounds);
  s.clock = ranged(r, "clock", 0, kBig);
  s.age = ranged(r, "age", 0, kBig);
  s.zoom = r.f32();
  if (!(s.zoom >= kMinZoom && s.zoom <= kMaxZoom)) r.malformed("zoom = " + std::to_string(s.zoom));
  s.level_over = r.boolean("level_over");
  s.level_complete = r.boolean("level_complete");
  s.died = r.boolean("died");
  s.pending_reward = speed(r, "pending_reward");  // 0 between steps; bounded like a speed
  Agent& a = s.agent;
  a.x = position(r, "agent.x");
  a.y = position(r, "agent.y");
  a.vx = speed(r, "agent.vx");
  a.vy = speed(r, "agent.vy");
  a.spring = speed(r, "agent.spring");
  a.climbing = r.boolean("agent.climbing");
  a.facing_right = r.boolean("agent.facing_right");
  read_grid(r, s.grid);
  const int n = r.u16();
  if (n > kMaxMonsters) r.malformed(std::to_string(n) + " monsters (max " + std::to_string(kMaxMonsters) + ")");
  s.num_monsters = n;
  for (int i = 0; i < n; ++i) {
    Monster& m = s.monsters[static_cast<size_t>(i)];
    m.x = position(r, "monster.x");
    m.y = position(r, "monster.y");
    m.vx = speed(r, "monster.vx");
    m.vy = speed(r, "monster.vy");
    const uint8_t kind = r.u8();
    if (kind > static_cast<uint8_t>(MonsterKind::Flyer)) r.malformed("unknown monster kind " + std::to_string(kind));
    m.kind = static_cast<MonsterKind>(kind);
    m.look = index_below(r, "monster.look", kMaxMonsterLooks);
    for (float& v : m.trail_x) v = position(r, "monster.trail_x");
    for (float& v : m.trail_y) v = position(r, "monster.trail_y");
  }
}

}  // namespace coinrun::state_io
