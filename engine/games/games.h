#pragma once
// The game objects, one per file in this folder; listed in registry.cpp.
#include "../core/game.h"

namespace coinrun {

const Game& coinrun_game();            // coinrun.cpp: "standard"
const Game& coinrun_platforms_game();  // coinrun_platforms.cpp: "platform"
const Game& random_mazes_game();       // random_mazes.cpp: "maze"
#ifdef COINRUN_TEST_GAMES
const Game& toy_corridor_game();       // tests/cpp/toy_game.cpp: "toy_corridor", tests only
#endif

}  // namespace coinrun
