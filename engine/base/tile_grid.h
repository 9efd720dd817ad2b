#pragma once
// The 64x64 level grid (docs/rules.md §0.1, §2). Tiles keep the original's character codes,
// which makes test vectors and `coinrun-engine level` output direct.
#include <array>
#include <cstdint>

namespace coinrun {

enum class Tile : char {
  Empty = '.',
  Ground = 'A',
  Surface = 'S',
  PlatformLeft = 'a',
  PlatformRight = 'b',
  CratePlain = '#',
  CrateDouble = '$',
  CrateSingle = '&',
  CrateWarning = '%',
  LavaTop = '^',
  Lava = '|',
  Spikes = 'P',
  Ladder = '=',
  Coin = '1',
  Gem = '2',
  Trace = ' ',
  SawMarker = 'G',
  WalkerMarker = 'M',
  FlyerMarker = 'F',
};

inline constexpr int kGridSize = 64;

inline constexpr bool is_solid(Tile t) {
  return t == Tile::Ground || t == Tile::Surface || t == Tile::PlatformLeft ||
         t == Tile::PlatformRight;
}
inline constexpr bool is_crate(Tile t) {
  return t == Tile::CratePlain || t == Tile::CrateDouble || t == Tile::CrateSingle ||
         t == Tile::CrateWarning;
}
inline constexpr bool is_lethal(Tile t) {
  return t == Tile::LavaTop || t == Tile::Lava || t == Tile::Spikes;
}
inline constexpr Tile crate_look(int i) {
  constexpr Tile kLooks[4] = {Tile::CratePlain, Tile::CrateDouble, Tile::CrateSingle,
                              Tile::CrateWarning};
  return kLooks[i & 3];
}

// x runs left to right, y bottom to top. Reads outside the grid see solid ground (the
// original never checks bounds; its borders keep the agent inside), writes outside are
// ignored.
class TileGrid {
 public:
  TileGrid() { fill(Tile::Empty); }
  void fill(Tile t) { cells_.fill(t); }

  static constexpr bool in_bounds(int x, int y) {
    return x >= 0 && x < kGridSize && y >= 0 && y < kGridSize;
  }
  Tile get(int x, int y) const { return in_bounds(x, y) ? cells_[index(x, y)] : Tile::Ground; }
  void set(int x, int y, Tile t) {
    if (in_bounds(x, y)) cells_[index(x, y)] = t;
  }
  bool solid(int x, int y) const { return is_solid(get(x, y)); }

  const std::array<Tile, kGridSize * kGridSize>& cells() const { return cells_; }
  std::array<Tile, kGridSize * kGridSize>& cells() { return cells_; }
  bool operator==(const TileGrid&) const = default;

 private:
  static constexpr int index(int x, int y) { return y * kGridSize + x; }
  std::array<Tile, kGridSize * kGridSize> cells_;
};

}  // namespace coinrun
