// Generation pieces shared by CoinRun and CoinRun-Platforms (docs/rules.md §4.2, §4.6, §4.7).
// Every random draw here is part of the level's draw sequence: changing the order or adding a
// draw changes every later level feature (§0.2 draw-order rule).
#include "platformer_common.h"

namespace coinrun {

namespace {

// §4.6 step 4 / §12.2: number of looks per monster kind. The look draw happens even for a saw
// or a flyer, which have one look each, because the original draws from a list of size 1.
constexpr int kSawLooks = 1;
constexpr int kWalkerLooks = 9;
constexpr int kFlyerLooks = 1;

// §4.6 step 1: a trace becomes a flyer with probability 1/20.
constexpr int kFlyerChance = 20;

// §5.8: every monster starts heading right slowly.
constexpr float kMonsterStartVx = 0.01f;

// §4.7: agent looks, ground themes, backgrounds.
constexpr int kAgentLooks = 5;
constexpr int kGroundThemes = 6;
constexpr int kBackgrounds = 34;

bool is_marker(Tile t) {
  return t == Tile::SawMarker || t == Tile::WalkerMarker || t == Tile::FlyerMarker;
}

MonsterKind marker_kind(Tile t) {
  switch (t) {
    case Tile::WalkerMarker: return MonsterKind::Walker;
    case Tile::FlyerMarker: return MonsterKind::Flyer;
    default: return MonsterKind::Saw;
  }
}

int look_count(MonsterKind k) {
  switch (k) {
    case MonsterKind::Walker: return kWalkerLooks;
    case MonsterKind::Flyer: return kFlyerLooks;
    case MonsterKind::Saw: break;
  }
  return kSawLooks;
}

}  // namespace

void add_border(TileGrid& g) {
  for (int x = 0; x < kGridSize; ++x) g.set(x, 0, Tile::Surface);
  for (int y = 0; y < kGridSize; ++y) {
    g.set(0, y, Tile::Ground);
    g.set(kGridSize - 1, y, Tile::Ground);
  }
  for (int x = 0; x < kGridSize; ++x) g.set(x, kGridSize - 1, Tile::Ground);
}

void fill_block(TileGrid& g, int x0, int y0, int w, int t, Tile body, Tile top) {
  // The original fills the body rows first, then the top row; with t >= 1 the two never
  // overlap, so the order only matters for t <= 0, where nothing but the top row is written.
  for (int x = x0; x < x0 + w; ++x) {
    for (int y = y0; y < y0 + t - 1; ++y) g.set(x, y, body);
  }
  for (int x = x0; x < x0 + w; ++x) g.set(x, y0 + t - 1, top);
}

Monster make_monster(MonsterKind kind, int x, int y, uint8_t look) {
  Monster m;
  m.kind = kind;
  m.look = look;
  m.x = static_cast<float>(x);
  m.y = static_cast<float>(y);
  m.vx = kMonsterStartVx;
  m.vy = 0.0f;
  m.trail_x.fill(m.x);
  m.trail_y.fill(m.y);
  return m;
}

void post_pass(GameState& s, Rng& rng) {
  TileGrid& g = s.grid;
  s.num_monsters = 0;
  // Rows 1..63, columns 1..62, bottom row first, left to right (§4.6).
  for (int y = 1; y < kGridSize; ++y) {
    for (int x = 1; x < kGridSize - 1; ++x) {
      // The side neighbours are read before this tile is changed; the left one was already
      // visited (a marker there is '.'), the right one not yet.
      const Tile left = g.get(x - 1, y);
      const Tile right = g.get(x + 1, y);
      Tile c = g.get(x, y);
      const Tile below = g.get(x, y - 1);

      // 1. Traces: the randn(20) is drawn for every trace tile, and only for those; the other
      //    two conditions are evaluated only if it comes up 0 (short-circuit order).
      if (c == Tile::Trace) {
        if (rng.randn(kFlyerChance) == 0 && !is_solid(below) && y > 2) {
          c = Tile::FlyerMarker;
        } else {
          c = Tile::Empty;
        }
        g.set(x, y, c);
      }
      // 2. Platform end caps resting on a wall become plain surface.
      if ((c == Tile::PlatformLeft || c == Tile::PlatformRight) && is_solid(below)) {
        c = Tile::Surface;
        g.set(x, y, c);
      }
      // 3. A wall under a wall is interior ground.
      if (is_solid(c) && is_solid(below)) g.set(x, y - 1, Tile::Ground);
      // 4. Markers become monsters; the look draw happens even for a walker dropped below.
      if (is_marker(c)) {
        const MonsterKind kind = marker_kind(c);
        const auto look = static_cast<uint8_t>(rng.randn(look_count(kind)));
        g.set(x, y, Tile::Empty);
        // A walker needs free space to pace: one with a wall beside it is dropped.
        const bool keep = kind != MonsterKind::Walker || (!is_solid(left) && !is_solid(right));
        if (keep) s.add_monster(make_monster(kind, x, y, look));
      }
    }
  }
}

void draw_cosmetics(GameState& s, Rng& rng) {
  s.cosmetics.agent_look = static_cast<uint8_t>(rng.randn(kAgentLooks));
  s.cosmetics.ground_theme = static_cast<uint8_t>(rng.randn(kGroundThemes));
  s.cosmetics.background = static_cast<uint8_t>(rng.randn(kBackgrounds));
}

void reset_level_fields(GameState& s, uint32_t level_seed) {
  s.level_seed = level_seed;
  s.num_monsters = 0;
  s.difficulty = 0;
  s.maze_size = 0;
  s.coins_total = s.coins_needed = 0;
  s.clock = 0;
  s.age = 0;
  s.level_over = s.level_complete = s.died = false;
  s.pending_reward = 0;
}

void place_agent_at_spawn(GameState& s) {
  // At rest, no charge, facing right, not climbing (§5.1 step 5). The original never resets
  // its ladder flag between episodes; see docs/fidelity.md.
  s.agent = Agent{};
  s.agent.x = static_cast<float>(s.spawn_x);
  s.agent.y = static_cast<float>(s.spawn_y);
}

}  // namespace coinrun
