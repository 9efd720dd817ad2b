#pragma once
// Shared platformer mechanics of CoinRun and CoinRun-Platforms (docs/rules.md §5.3-§5.8), as
// free functions over GameState that a game calls from its step. Bit-exact with the original
// (float state, the original's float/double expression types; see docs/fidelity.md).
#include "base/game_state.h"

namespace coinrun {

// §5.5: touching one tile. Lava/spikes set level_over and died; a coin or gem is removed and
// pays +1, or +10 with level_over and level_complete when it was the last one needed.
void touch_tile(GameState& s, int tx, int ty);

// §5.3-§5.7: one tick of the agent with action (dx, dy): ladders, jump charging, gravity, two
// collision sub-steps with the 2x2 touch window each, friction and facing. Does not advance
// the clock or age (env.cpp does).
void update_agent_platformer(GameState& s, int dx, int dy);

// §5.8 plus §5.1 step 3: every monster in list order moves, then is tested for contact with
// the agent (position from before the agent's move); contact sets level_over and died.
void update_monsters(GameState& s);

}  // namespace coinrun
