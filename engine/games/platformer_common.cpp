// TEMPORARY partial implementation; completed by the CoinRun game work.
#include "platformer_common.h"

namespace coinrun {

void add_border(TileGrid& g) {
  for (int x = 0; x < kGridSize; ++x) g.set(x, 0, Tile::Surface);
  for (int y = 0; y < kGridSize; ++y) {
    g.set(0, y, Tile::Ground);
    g.set(kGridSize - 1, y, Tile::Ground);
  }
  for (int x = 0; x < kGridSize; ++x) g.set(x, kGridSize - 1, Tile::Ground);
}

void fill_block(TileGrid& g, int x0, int y0, int w, int t, Tile body, Tile top) {
  for (int x = x0; x < x0 + w; ++x) {
    for (int y = y0; y < y0 + t - 1; ++y) g.set(x, y, body);
    g.set(x, y0 + t - 1, top);
  }
}

void post_pass(GameState&, Rng&) {}

void draw_cosmetics(GameState& s, Rng& rng) {
  s.cosmetics.agent_look = static_cast<uint8_t>(rng.randn(5));
  s.cosmetics.ground_theme = static_cast<uint8_t>(rng.randn(6));
  s.cosmetics.background = static_cast<uint8_t>(rng.randn(34));
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
  s.agent = Agent{};
  s.agent.x = static_cast<float>(s.spawn_x);
  s.agent.y = static_cast<float>(s.spawn_y);
}

}  // namespace coinrun
