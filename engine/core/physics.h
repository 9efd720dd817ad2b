#pragma once
// Shared platformer mechanics of CoinRun and CoinRun-Platforms (game-rules.md §5.3-§5.8), as
// free functions over GameState that a game calls from its step.
#include "game_state.h"

namespace coinrun {

// §5.5: touching one tile (lava/spikes end the level, coins pay and may end it).
void touch_tile(GameState& s, int tx, int ty);

// §5.3-§5.7: one tick of the agent with action (dx, dy): ladders, jump charging, gravity, two
// collision sub-steps with touch tests, friction and facing.
void update_agent_platformer(GameState& s, int dx, int dy);

// §5.8 plus §5.1 step 3: every monster in list order moves, then is tested for contact with
// the agent (position from before the agent's move); contact sets level_over and died.
void update_monsters(GameState& s);

}  // namespace coinrun
