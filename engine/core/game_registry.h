#pragma once
// Look up games by name. The list itself is games/registry.cpp: one line per game.
#include <span>
#include <string_view>

#include "game.h"

namespace coinrun {

// All games, in registry order.
std::span<const Game* const> all_games();
// nullptr when no game has that name.
const Game* find_game(std::string_view name);

}  // namespace coinrun
