// CoinRun ("standard", docs/rules.md §4.3): a run of plateaus and pits from left to right,
// ending in a coin and a closing wall. Generation is bit-exact with the original: the same
// draws, in the same order, from one MT19937 seeded with the level seed (§0.2).
#include <algorithm>

#include "../core/physics.h"
#include "../render/scene.h"
#include "games.h"
#include "platformer_common.h"

namespace coinrun {
namespace {

// §4.3 generator constants. They derive from the physics (highest jump 1.5^2 / (2 * 0.2) =
// 5.625, longest jump 0.5 * 2 * 1.5 / 0.2 = 7.5), minus 0.5 and truncated, as in the original.
constexpr int kMaxRise = 5;
constexpr int kMaxPitWidth = 7;
constexpr int kMaxDifficulty = 3;       // §4.1
constexpr int kStartX = 5;              // first section's left column
constexpr int kSpawnX = 1, kSpawnY = 1;  // §4.3
constexpr int kRightMargin = 15;        // no new section once x + 15 >= 64
constexpr int kAlwaysDownHeight = 20;   // h >= 20: always go down
constexpr int kCoinFlipHeight = 5;      // 5 <= h < 20: random direction
constexpr int kPitChanceDenom = 20;     // pit when randn(20) >= d
constexpr int kMinPitSectionWidth = 8;  // w > 7
constexpr int kMinPitHeight = 4;        // h > 3

enum class Hazard { Lava = 0, Saws = 1, Walkers = 2 };

// One level's generation, mirroring the original's structure so that the draw order can be
// checked against docs/rules.md §4.3 line by line.
class CoinrunGenerator {
 public:
  CoinrunGenerator(GameState& s, Rng& rng) : s_(s), g_(s.grid), rng_(rng) {}

  void run(bool high_difficulty) {
    s_.spawn_x = kSpawnX;
    s_.spawn_y = kSpawnY;
    s_.coins_total = s_.coins_needed = 1;
    d_ = high_difficulty ? kMaxDifficulty : 1 + rng_.randn(kMaxDifficulty);
    s_.difficulty = d_;
    const int n_sections = d_ + rng_.randn(d_);
    const int extra = d_ / 3;
    int x = kStartX;
    int h = 1;
    hazard_ = static_cast<Hazard>(rng_.randn(3));

    for (int i = 0; i < n_sections; ++i) {
      if (x + kRightMargin >= kGridSize) break;
      int step = std::min(1 + rng_.randn(4) + extra, kMaxRise);
      if (h >= kAlwaysDownHeight) {
        step = -step;
      } else if (h >= kCoinFlipHeight && rng_.randn(2) == 1) {
        step = -step;
      }
      const int w = 3 + rng_.randn(2 * d_) + extra;
      h = std::max(1, h + step);
      bool pit = false;
      if (w >= kMinPitSectionWidth && h >= kMinPitHeight) pit = rng_.randn(kPitChanceDenom) >= d_;
      if (pit) {
        build_pit(x, w, h);
      } else {
        build_plateau(x, w, h);
      }
      x += w;
    }

    g_.set(x, h, Tile::Coin);
    fill_block(g_, x, 0, 1, h);  // pillar under the coin
    for (int y = 0; y < kGridSize; ++y) g_.set(x + 1, y, Tile::Ground);  // closing wall
  }

 private:
  void build_plateau(int x, int w, int h) {
    fill_block(g_, x, 0, w, h);
    int saw_col = -1;
    int walker_col = -1;
    // Both randn(10) draws always happen: they come first in their conditions.
    if (rng_.randn(10) < 2 * d_ && w > 3) {
      saw_col = x + 1 + rng_.randn(w - 2);
      g_.set(saw_col, h, Tile::SawMarker);
    }
    if (rng_.randn(10) < d_ && w > 3) {
      walker_col = x + 1 + rng_.randn(w - 2);
      g_.set(walker_col, h, Tile::WalkerMarker);
    }
    for (int pile = 0; pile < 2; ++pile) {
      const int c = x + 1 + rng_.randn(w - 1);
      if (rng_.randn(2) == 1 && c != saw_col && c != walker_col) {
        const int height = 1 + rng_.randn(3);
        for (int j = 0; j < height; ++j) g_.set(c, h + j, crate_look(rng_.randn(4)));
      }
    }
  }

  void build_pit(int x, int w, int h) {
    const int left = 1 + rng_.randn(3);
    int right = 1 + rng_.randn(3);
    int gap = w - left - right;
    if (gap > kMaxPitWidth) {  // never triggers with the section widths of §4.3
      gap = kMaxPitWidth;
      right = w - left - gap;
    }
    fill_block(g_, x, 0, left, h);
    fill_block(g_, x + w - right, 0, right, h);
    const int depth = 1 + rng_.randn(h - 3);  // always drawn, even without lava
    switch (hazard_) {
      case Hazard::Lava:
        fill_block(g_, x + left, 1, gap, depth, Tile::Lava, Tile::LavaTop);
        break;
      case Hazard::Saws:
        for (int i = 0; i < gap; ++i) g_.set(x + left + i, 1, Tile::SawMarker);
        break;
      case Hazard::Walkers:
        for (int i = 0; i < gap; ++i) g_.set(x + left + i, 1, Tile::WalkerMarker);
        break;
    }
    if (gap > 4) {  // a one-tile-high stepping ledge inside the pit
      int off = 0;
      int len = 0;
      if (gap == 5) {
        off = 1 + rng_.randn(2);
        len = 1 + rng_.randn(2);
      } else if (gap == 6) {
        off = 2 + rng_.randn(2);
        len = 1 + rng_.randn(2);
      } else {
        off = 2 + rng_.randn(2);
        const int tail = 2 + rng_.randn(2);
        len = gap - off - tail;
      }
      fill_block(g_, x + left + off, h - 1, len, 1);
    }
  }

  GameState& s_;
  TileGrid& g_;
  Rng& rng_;
  int d_ = 1;
  Hazard hazard_ = Hazard::Lava;
};

class CoinrunGame final : public Game {
 public:
  const GameInfo& info() const override { return info_; }

  void generate(uint32_t seed, bool high_difficulty, GameState& s) const override {
    reset_level_fields(s, seed);
    Rng rng(seed);
    s.grid.fill(Tile::Empty);
    add_border(s.grid);
    CoinrunGenerator(s, rng).run(high_difficulty);
    post_pass(s, rng);
    draw_cosmetics(s, rng);
    place_agent_at_spawn(s);
  }

  void step(GameState& s, int action) const override {
    // Actions are range-checked at the pool boundary; an out-of-range one here acts as no-op
    // rather than reading past the action table.
    const bool valid = action >= 0 && action < kNumActions;
    update_monsters(s);  // §5.1 step 3: against the agent's position from before its move
    update_agent_platformer(s, valid ? kActionDx[action] : 0, valid ? kActionDy[action] : 0);
  }

  void draw(const GameState& s, FrameView f, const SceneStyle& style = {}) const override {
    draw_platformer_scene(s, f, style);
  }

 private:
  // §1: engine id 1000, time limit 1000, zoom 5; §7.9: velocity squares on by default.
  GameInfo info_{"standard", "CoinRun", 1000, 1000, 5.0f, true, "coinrun/CoinRun-v0"};
};

}  // namespace

const Game& coinrun_game() {
  static const CoinrunGame g;
  return g;
}

}  // namespace coinrun
