// RandomMazes carving, draw for draw as the original (docs/rules.md §4.5). The draw sequence
// is: difficulty (unless high difficulty), size, one randn(len(links)) per link in the shrinking
// ordered list, then the coin. Fixed-size arrays keep generation free of heap allocation.
#include "maze_gen.h"

#include <algorithm>
#include <array>

namespace coinrun {

namespace {

// §4.5: sizes 2 * (randn(3) + 3 * (d - 1) + 1) + 1, so three sizes per difficulty.
constexpr int kSizesPerDifficulty = 3;

constexpr int kMaxCells = kMaxMazeSize * kMaxMazeSize;
// Rooms are the (even, even) cells: ((n + 1) / 2)^2 of them; every room but one is joined by
// exactly one opened link, and each opening appends three cells to `carved`.
constexpr int kMaxRoomsPerSide = (kMaxMazeSize + 1) / 2;
constexpr int kMaxLinks = 2 * (kMaxRoomsPerSide - 1) * kMaxRoomsPerSide;
constexpr int kMaxCarved = 3 * (kMaxRoomsPerSide * kMaxRoomsPerSide - 1);

struct Link {
  int pi, pj, qi, qj;  // the two rooms, inner coordinates
};

// Union-find over inner cells. Only component identity matters: the original compares the
// two rooms' sets by content, which is exactly "same component".
class Components {
 public:
  explicit Components(int count) {
    for (int c = 0; c < count; ++c) parent_[c] = c;
  }
  int find(int c) {
    while (parent_[c] != c) {
      parent_[c] = parent_[parent_[c]];
      c = parent_[c];
    }
    return c;
  }
  void join(int a, int b) { parent_[find(a)] = find(b); }

 private:
  std::array<int, kMaxCells> parent_{};
};

}  // namespace

MazeLayout generate_maze(Rng& rng, bool high_difficulty, TileGrid& grid) {
  MazeLayout out;
  // §4.1: with high difficulty the draw is skipped, not overridden.
  out.difficulty = high_difficulty ? kMaxMazeDifficulty : 1 + rng.randn(kMaxMazeDifficulty);
  const int n =
      2 * (rng.randn(kSizesPerDifficulty) + kSizesPerDifficulty * (out.difficulty - 1) + 1) + 1;
  out.size = n;

  auto world = [](int inner) { return inner + kMazeOffset; };
  for (int y = 0; y < n + 2; ++y) {
    for (int x = 0; x < n + 2; ++x) grid.set(x, y, Tile::Ground);
  }
  grid.set(world(0), world(0), Tile::Empty);

  // The ordered link list: all horizontal links (i odd, j even), then all vertical ones.
  std::array<Link, kMaxLinks> links{};
  int num_links = 0;
  for (int i = 1; i < n - 1; i += 2) {
    for (int j = 0; j < n; j += 2) links[num_links++] = Link{i - 1, j, i + 1, j};
  }
  for (int i = 0; i < n; i += 2) {
    for (int j = 1; j < n - 1; j += 2) links[num_links++] = Link{i, j - 1, i, j + 1};
  }

  Components comp(n * n);
  auto cell = [n](int i, int j) { return n * j + i; };
  std::array<int, kMaxCarved> carved{};  // cell indices, repeats kept
  int num_carved = 0;
  auto carve = [&](int i, int j) {
    grid.set(world(i), world(j), Tile::Empty);
    carved[num_carved++] = cell(i, j);
  };

  while (num_links > 0) {
    const int k = rng.randn(num_links);
    const Link l = links[k];
    const int mi = (l.pi + l.qi) / 2;
    const int mj = (l.pj + l.qj) / 2;
    const int p = cell(l.pi, l.pj);
    const int q = cell(l.qi, l.qj);
    if (grid.solid(world(mi), world(mj)) && comp.find(p) != comp.find(q)) {
      carve(l.pi, l.pj);
      carve(mi, mj);
      carve(l.qi, l.qj);
      comp.join(p, q);
      comp.join(cell(mi, mj), q);
    }
    // Delete links[k] keeping the order of the others: later indices depend on it.
    std::copy(links.begin() + k + 1, links.begin() + num_links, links.begin() + k);
    --num_links;
  }

  // n >= 3 always opens at least one link, so `carved` is never empty here.
  out.carved_count = num_carved;
  const int coin = carved[rng.randn(num_carved)];
  out.coin_x = world(coin % n);
  out.coin_y = world(coin / n);
  grid.set(out.coin_x, out.coin_y, Tile::Coin);
  return out;
}

}  // namespace coinrun
