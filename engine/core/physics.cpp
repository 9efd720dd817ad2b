// TEMPORARY stub; replaced by the real platformer physics.
#include "physics.h"
namespace coinrun {
void touch_tile(GameState&, int, int) {}
void update_agent_platformer(GameState&, int, int) {}
void update_monsters(GameState&) {}
}  // namespace coinrun
