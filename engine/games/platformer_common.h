#pragma once
// Generation pieces shared by CoinRun and CoinRun-Platforms (docs/rules.md §4.2, §4.6, §4.7).
#include "base/game_state.h"
#include "base/rng.h"

namespace coinrun {

// §4.2 step 2: bottom row S, left and right columns A, top row A (in that order).
void add_border(TileGrid& g);
// §4.2 step 3: rows y0..y0+t-2 become `body`, row y0+t-1 becomes `top`.
void fill_block(TileGrid& g, int x0, int y0, int w, int t, Tile body = Tile::Ground,
                Tile top = Tile::Surface);
// A monster as the post-pass creates it (§4.6 step 4, §5.8): vx = +0.01, vy = 0, trail
// history filled with the start tile.
Monster make_monster(MonsterKind kind, int x, int y, uint8_t look);
// §4.6: trace clean-up (flyer draws), cap fixes, ground interiors, monster creation with
// their look draws, in the original's visiting order. Clears the monster list first; walkers
// with a wall left or right of their marker are dropped (after their look draw).
void post_pass(GameState& s, Rng& rng);
// §4.7: agent look, ground theme, background, always the last three draws of a level.
void draw_cosmetics(GameState& s, Rng& rng);
// Resets the per-level fields of `s` (clock, age, flags, monsters, agent at spawn at rest).
void reset_level_fields(GameState& s, uint32_t level_seed);
// Places the agent at the spawn tile, at rest, facing right.
void place_agent_at_spawn(GameState& s);

}  // namespace coinrun
