// The only list of games. Adding a game is one line here (and its own file).
#include "../core/game_registry.h"

#include <array>

#include "games.h"

namespace coinrun {

std::span<const Game* const> all_games() {
  static const std::array<const Game*, 3> kGames = {
      &coinrun_game(),
      &coinrun_platforms_game(),
      &random_mazes_game(),
  };
  return kGames;
}

const Game* find_game(std::string_view name) {
  for (const Game* g : all_games()) {
    if (g->info().name == name) return g;
  }
  return nullptr;
}

}  // namespace coinrun
