// RandomMazes (docs/rules.md §4.5 generation, §5.9 movement, §6 rewards, §7.10 picture).
// The layout comes from maze_gen; this file adds the level fields, the cosmetic draws and the
// grid moves. No physics: the agent jumps one cell per tick.
#include "games.h"
#include "maze_gen.h"
#include "platformer_common.h"
#include "../render/scene.h"

namespace coinrun {
namespace {

// §6: the single coin is worth +10 and ends the level.
constexpr float kCoinReward = 10.0f;

class RandomMazesGame final : public Game {
 public:
  const GameInfo& info() const override { return info_; }

  void generate(uint32_t seed, bool high_difficulty, GameState& s) const override {
    reset_level_fields(s, seed);
    Rng rng(seed);
    // §4.2: the maze adds no border; everything outside its square stays '.'.
    s.grid.fill(Tile::Empty);
    const MazeLayout m = generate_maze(rng, high_difficulty, s.grid);
    s.difficulty = m.difficulty;
    s.maze_size = m.size;
    s.spawn_x = kMazeOffset;
    s.spawn_y = kMazeOffset;
    s.coins_total = s.coins_needed = 1;
    // §4.7: drawn although the flat maze picture ignores them, so every later draw of the
    // level sequence (there are none today) and the printed level match the original.
    draw_cosmetics(s, rng);
    place_agent_at_spawn(s);
  }

  void step(GameState& s, int action) const override {
    // §5.9: target (int(x) + dx, int(y) + dy); diagonals allowed whenever the target is open
    // (corner cutting). An action outside 0..6 is rejected upstream; here it stays put.
    const bool valid = action >= 0 && action < kNumActions;
    const int dx = valid ? kActionDx[action] : 0;
    const int dy = valid ? kActionDy[action] : 0;
    const int nx = static_cast<int>(s.agent.x) + dx;
    const int ny = static_cast<int>(s.agent.y) + dy;
    if (!s.grid.solid(nx, ny)) {
      s.agent.x = static_cast<float>(nx);
      s.agent.y = static_cast<float>(ny);
    }
    // TOUCH once, on the tile stood on after the move (a coin on the start cell is taken by
    // the first tick that ends there: standing still or bumping a wall, §4.5 quirk).
    touch(s, static_cast<int>(s.agent.x), static_cast<int>(s.agent.y));
  }

  void draw(const GameState& s, FrameView f, const SceneStyle& style = {}) const override {
    draw_maze_scene(s, f, style);
  }

 private:
  // §5.5 restricted to what a maze contains (no lava, no spikes, one coin). Kept local so the
  // maze does not depend on the platformer physics module.
  static void touch(GameState& s, int tx, int ty) {
    const Tile t = s.grid.get(tx, ty);
    if (t != Tile::Coin && t != Tile::Gem) return;
    s.grid.set(tx, ty, Tile::Empty);
    s.coins_needed -= 1;
    if (s.coins_needed == 0) {
      s.pending_reward += kCoinReward;
      s.level_over = true;
      s.level_complete = true;
    } else {
      s.pending_reward += 1.0f;  // unreachable with one coin; mirrors §5.5 for completeness
    }
  }

  // §1 / §6 / §7.2: 500-tick limit, zoom 7.5 (the first episode's 5.0 comes from env.cpp's
  // default_zoom), no velocity squares by default (§7.9).
  GameInfo info_{"maze", "RandomMazes", 1002, 500, 7.5f, false, "coinrun/RandomMazes-v0"};
};

}  // namespace

const Game& random_mazes_game() {
  static const RandomMazesGame g;
  return g;
}

}  // namespace coinrun
