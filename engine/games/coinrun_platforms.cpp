// TEMPORARY stub so the engine builds; replaced by the real game.
#include "games.h"
#include "platformer_common.h"
#include "../render/scene.h"

namespace coinrun {
namespace {
class CoinrunPlatformsGame final : public Game {
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
  GameInfo info_{"platform", "CoinRun-Platforms", 1001, 1000, 5.0f, false};
};
}  // namespace
const Game& coinrun_platforms_game() { static const CoinrunPlatformsGame g; return g; }
}  // namespace coinrun
