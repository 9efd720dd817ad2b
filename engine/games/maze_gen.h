#pragma once
// Pure RandomMazes layout (docs/rules.md §4.5): randomised Kruskal carving on an odd-sized
// grid, drawn from a caller-owned Rng so that the level's later draws (the cosmetics of §4.7)
// continue the same sequence. Knows nothing about agents, rewards or drawing.
#include "base/rng.h"
#include "base/tile_grid.h"

namespace coinrun {

// §4.1 / §4.5: maze difficulties 1..4; size n = 2 * (randn(3) + 3 * (d - 1) + 1) + 1.
inline constexpr int kMaxMazeDifficulty = 4;
inline constexpr int kMaxMazeSize = 2 * (2 + 3 * (kMaxMazeDifficulty - 1) + 1) + 1;  // 25
// Inner cell (i, j) sits at world tile (i + kMazeOffset, j + kMazeOffset); the spawn is the
// inner cell (0, 0).
inline constexpr int kMazeOffset = 1;

struct MazeLayout {
  int difficulty = 0;   // 1..4
  int size = 0;         // inner size n (odd, 3..25)
  int coin_x = 0;       // world tile of the coin
  int coin_y = 0;
  int carved_count = 0; // length of the `carved` list the coin was drawn from (with repeats)
};

// Draws the difficulty (skipped when `high_difficulty`: d = 4), the size, carves the maze and
// places the coin, writing walls 'A', open cells '.' and the coin '1' into `grid`. Only the
// (n + 2) x (n + 2) square at the bottom-left corner is written; the caller clears the grid.
MazeLayout generate_maze(Rng& rng, bool high_difficulty, TileGrid& grid);

}  // namespace coinrun
