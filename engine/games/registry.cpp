// The only list of games. Adding a game is one line here (and its own file; its factory is
// declared in games.h). This file is compiled into each program rather than into a library,
// so that test builds (COINRUN_TEST_GAMES) list the test-only toy game as well.
#include "../core/game_registry.h"

#include <array>

#include "games.h"

namespace coinrun {

std::span<const Game* const> all_games() {
  static const auto kGames = std::to_array<const Game*>({
      &coinrun_game(),
      &coinrun_platforms_game(),
      &random_mazes_game(),
#ifdef COINRUN_TEST_GAMES
      &toy_corridor_game(),  // test builds only: tests/cpp/toy_game.cpp
#endif
  });
  return kGames;
}

const Game* find_game(std::string_view name) {
  for (const Game* g : all_games()) {
    if (g->info().name == name) return g;
  }
  return nullptr;
}

}  // namespace coinrun
