// TEMPORARY stub so the engine builds; replaced by the real game.
#include "games.h"
#include "platformer_common.h"
#include "../render/scene.h"

namespace coinrun {
namespace {
class RandomMazesGame final : public Game {
 public:
  const GameInfo& info() const override { return info_; }
  void generate(uint32_t seed, bool, GameState& s) const override {
    reset_level_fields(s, seed);
    s.grid.fill(Tile::Empty);
    add_border(s.grid);
    s.spawn_x = 1; s.spawn_y = 1;
    place_agent_at_spawn(s);
  }
  void step(GameState&, int) const override {}
  void draw(const GameState& s, FrameView f) const override { draw_platformer_scene(s, f); }
 private:
  GameInfo info_{"maze", "RandomMazes", 1002, 500, 7.5f, false};
};
}  // namespace
const Game& random_mazes_game() { static const RandomMazesGame g; return g; }
}  // namespace coinrun
