// CoinRun-Platforms (docs/rules.md §4.4 generation, §4.6 post-pass, §5 physics, §6 rewards).
// Generation is draw for draw the original's: spawn column, up to 110 TRY_PLATFORM attempts
// (each with its own conditional draws), the shared post-pass (flyer draws and monster looks),
// PLACE_COINS (no draws), then the three cosmetic draws. Play is the shared platformer physics.
#include <cmath>
#include <vector>

#include "games.h"
#include "platformer_common.h"
#include "../core/physics.h"
#include "../render/scene.h"

namespace coinrun {
namespace {

// §4.4: eleven platforms wanted, at most ten attempts per platform.
constexpr int kWantedPlatforms = 11;
constexpr int kAttemptsPerPlatform = 10;
// §4.4 / §5.3: the generator's own jump model (gravity, take-off speed, top ground speed).
// They equal the play physics but are kept here because the generator must not change if the
// play constants are ever tuned.
constexpr float kGenGravity = 0.2f;
constexpr float kGenMaxJump = 1.5f;
constexpr float kGenMaxSpeed = 0.5f;
// §4.4: hv = 0.5 * max_speed * (2 * rand01() - 1); vv = max_jump * (0.8 + 0.2 * rand01()).
constexpr double kGenHorizontalFactor = 0.5;
constexpr double kGenMinJumpFraction = 0.8;
constexpr double kGenJumpFractionRange = 0.2;
// §4.4 ladders: 5 + randn(10) cells; a ladder may not reach row 61 (grid height - 3).
constexpr int kLadderMinLength = 5;
constexpr int kLadderLengthRange = 10;
constexpr int kLadderTopLimit = kGridSize - 3;
// §4.4 platforms: 2 + randn(10) cells to the side; crate phase shift randn(20); a crate column
// where int(0.2 * x + y + shift) mod 4 == 0.
constexpr int kPlatformMinLength = 2;
constexpr int kPlatformLengthRange = 10;
constexpr int kCrateShiftRange = 20;
constexpr double kCrateColumnSlope = 0.2;
constexpr int kCratePeriod = 4;
// §4.4 crate stacks: base want 2 against randn(4); stacks stop below row 62 (grid height - 2).
constexpr int kCrateBaseWant = 2;
constexpr int kCrateWantDraw = 4;
constexpr int kCrateTopLimit = kGridSize - 2;
// §4.4 PLACE_COINS: coins only above row 2 (so never on the floor anchors of row 1).
constexpr int kCoinMinRowExclusive = 2;

struct Cell {
  int x, y;
};

bool is_free(Tile t) { return t == Tile::Empty || t == Tile::Trace; }
bool solid_or_crate(Tile t) { return is_solid(t) || is_crate(t); }

// Scratch lists reused across levels of one thread: generation runs inside env steps (on
// autoreset), so steady-state play allocates nothing.
struct Scratch {
  std::vector<Cell> anchors;
  std::vector<Cell> crate_cols;
  std::vector<Cell> walker_spots;
};

class PlatformBuilder {
 public:
  PlatformBuilder(Rng& rng, TileGrid& grid, Scratch& scratch)
      : rng_(rng), g_(grid), anchors_(scratch.anchors), crate_cols_(scratch.crate_cols),
        walker_spots_(scratch.walker_spots) {
    anchors_.clear();
    for (int x = 0; x < kGridSize; ++x) anchors_.push_back(Cell{x, 1});
  }

  void build_platforms() {
    int wanted = kWantedPlatforms;
    // The original re-evaluates `attempt < wanted * 10` on every pass, after `wanted` has
    // gone down, so it gives up sooner than a fixed 110 tries (rules §4.4 says "up to 110";
    // the §4.8 reference rows come from the re-evaluated bound; docs/games.md).
    for (int attempt = 0; attempt < wanted * kAttemptsPerPlatform; ++attempt) {
      if (try_platform()) wanted -= 1;
      if (wanted == 0) break;
    }
  }

  // PLACE_COINS: anchors from the end of the list; returns the number of coins placed.
  int place_coins() {
    int coins = 0;
    while (!anchors_.empty()) {
      const Cell a = anchors_.back();
      anchors_.pop_back();
      const int x = a.x, y = a.y;
      const bool good = g_.get(x, y) == Tile::Empty && y > kCoinMinRowExclusive &&
                        g_.get(x - 1, y) == Tile::Empty && g_.get(x + 1, y) == Tile::Empty &&
                        g_.get(x, y + 1) == Tile::Empty && solid_or_crate(g_.get(x - 1, y - 1)) &&
                        solid_or_crate(g_.get(x, y - 1)) && solid_or_crate(g_.get(x + 1, y - 1));
      if (good) {
        g_.set(x, y, Tile::Coin);
        coins += 1;
      }
    }
    return coins;
  }

 private:
  bool try_platform() {
    if (anchors_.empty()) return false;
    const int count = static_cast<int>(anchors_.size());
    // P(i) proportional to 2i + 1: recent anchors are favoured.
    const int i = static_cast<int>(std::sqrt(static_cast<double>(rng_.randn(count * count))));
    const Cell anchor = anchors_[i];
    // The original's mixed float/double arithmetic, kept exactly: the float products below
    // decide trace cells, and a one-ulp difference moves a platform.
    const float h_unit = rng_.rand01() * 2.0f - 1.0f;
    const float hv = static_cast<float>(static_cast<double>(h_unit) * kGenHorizontalFactor *
                                        static_cast<double>(kGenMaxSpeed));
    float vv = static_cast<float>(
        (kGenMinJumpFraction + kGenJumpFractionRange * static_cast<double>(rng_.rand01())) *
        static_cast<double>(kGenMaxJump));
    const int apex = 1 + static_cast<int>(vv / kGenGravity);

    int sx = 0, sy = 0;
    if (rng_.randn(2) == 1) {
      if (!trace_jump(anchor, hv, vv, apex, sx, sy)) return false;
    } else {
      sx = anchor.x;
      sy = anchor.y;
      if (is_crate(g_.get(sx, sy)) || is_crate(g_.get(sx, sy - 1))) return false;
      // Quirk §13.14: the anchor is used up even if the ladder then fails.
      anchors_.erase(anchors_.begin() + i);
      if (!build_ladder(sx, sy)) return false;
    }

    const int dir = hv > 0 ? 1 : -1;
    if (is_free(g_.get(sx, sy))) g_.set(sx, sy, dir > 0 ? Tile::PlatformLeft : Tile::PlatformRight);
    extend_platform(sx, sy, dir);
    grow_crates();
    return true;
  }

  // Jump branch: follows the point-mass arc from one row above the anchor, writing a trace on
  // each newly entered cell. Traces written before a failure stay (quirk §13.14).
  bool trace_jump(Cell anchor, float hv, float vv, int apex, int& sx, int& sy) {
    const int steps = apex + rng_.randn(apex / 2);
    float px = static_cast<float>(anchor.x);
    float py = static_cast<float>(anchor.y + 1);
    sx = -1;
    sy = -1;
    for (int s = 0; s < steps; ++s) {
      vv -= kGenGravity;
      px += hv;
      py += vv;
      const int cx = static_cast<int>(px);
      const int cy = static_cast<int>(py);
      if (cx == sx && cy == sy) continue;
      sx = cx;
      sy = cy;
      if (sx < 1 || sx >= kGridSize - 1 || sy < 1 || sy >= kGridSize - 1) return false;
      if (!is_free(g_.get(sx, sy))) return false;
      g_.set(sx, sy, Tile::Trace);
    }
    return true;
  }

  // Ladder branch: L + 1 ladder tiles from the anchor upward, nothing written on failure.
  // On success (sx, sy) is the ladder's top tile.
  bool build_ladder(int& sx, int& sy) {
    const int length = kLadderMinLength + rng_.randn(kLadderLengthRange);
    const int x = sx;
    const int y0 = sy;
    for (int k = 0; k < length; ++k) {
      sy += 1;
      if (sy >= kLadderTopLimit || g_.get(x, sy) != Tile::Empty ||
          g_.get(x - 1, sy) == Tile::Ladder || g_.get(x + 1, sy) == Tile::Ladder) {
        return false;
      }
    }
    for (int y = y0; y <= sy; ++y) g_.set(x, y, Tile::Ladder);
    return true;
  }

  void extend_platform(int sx, int sy, int dir) {
    crate_cols_.clear();
    walker_spots_.clear();
    const int length = kPlatformMinLength + rng_.randn(kPlatformLengthRange);
    const int shift = rng_.randn(kCrateShiftRange);
    for (int k = 0; k < length; ++k) {
      sx += dir;
      const Tile t = g_.get(sx, sy);
      if (!is_free(t)) {
        // Joined onto another platform's end: the cap becomes plain surface.
        if (t == Tile::PlatformLeft || t == Tile::PlatformRight) g_.set(sx, sy, Tile::Surface);
        break;
      }
      const Tile closing = dir > 0 ? Tile::PlatformRight : Tile::PlatformLeft;
      g_.set(sx, sy, k < length - 1 ? Tile::Surface : closing);
      const Cell above{sx, sy + 1};
      anchors_.push_back(above);
      if (static_cast<int>(sx * kCrateColumnSlope + sy + shift) % kCratePeriod == 0) {
        crate_cols_.push_back(above);
      } else if (k > 0 && k < length - 1) {
        walker_spots_.push_back(above);
      }
    }
    if (walker_spots_.size() > 1) {
      const Cell w = walker_spots_[rng_.randn(static_cast<int>(walker_spots_.size()))];
      g_.set(w.x, w.y, Tile::WalkerMarker);
    }
  }

  // Crate stacks grow upward in lock-step: one pass over the columns per layer.
  void grow_crates() {
    while (!crate_cols_.empty()) {
      for (size_t c = 0; c < crate_cols_.size();) {
        Cell& col = crate_cols_[c];
        const Tile here = g_.get(col.x, col.y);
        const Tile left = g_.get(col.x - 1, col.y);
        const Tile right = g_.get(col.x + 1, col.y);
        const Tile up = g_.get(col.x, col.y + 1);
        const int want = kCrateBaseWant + is_crate(left) + is_crate(right) -
                         (right == Tile::Ladder) - (left == Tile::Ladder) - is_solid(up);
        // randn(4) is always drawn; the height test only after it (short-circuit order).
        if (rng_.randn(kCrateWantDraw) < want && col.y < kCrateTopLimit) {
          if (is_free(here)) g_.set(col.x, col.y, crate_look(rng_.randn(4)));
          col.y += 1;
          anchors_.push_back(col);
          ++c;
        } else {
          crate_cols_.erase(crate_cols_.begin() + static_cast<std::ptrdiff_t>(c));
        }
      }
    }
  }

  Rng& rng_;
  TileGrid& g_;
  std::vector<Cell>& anchors_;
  std::vector<Cell>& crate_cols_;
  std::vector<Cell>& walker_spots_;
};

class CoinrunPlatformsGame final : public Game {
 public:
  const GameInfo& info() const override { return info_; }

  void generate(uint32_t seed, bool /*high_difficulty: no effect, §3.3*/,
                GameState& s) const override {
    reset_level_fields(s, seed);
    Rng rng(seed);
    s.grid.fill(Tile::Empty);
    add_border(s.grid);
    // §4.4: any column 1..62, on the floor; the first draw of the level.
    s.spawn_x = 1 + rng.randn(kGridSize - 2);
    s.spawn_y = 1;

    thread_local Scratch scratch;
    PlatformBuilder builder(rng, s.grid, scratch);
    builder.build_platforms();
    post_pass(s, rng);
    s.coins_total = s.coins_needed = builder.place_coins();
    draw_cosmetics(s, rng);
    place_agent_at_spawn(s);
  }

  void step(GameState& s, int action) const override {
    const bool valid = action >= 0 && action < kNumActions;
    // §5.1 steps 3-4: monsters first (contact against the agent's old position), then the
    // agent; coins pay +1, the last +10 (touch_tile with coins_needed, §5.5).
    update_monsters(s);
    update_agent_platformer(s, valid ? kActionDx[action] : 0, valid ? kActionDy[action] : 0);
  }

  void draw(const GameState& s, FrameView f, const SceneStyle& style = {}) const override {
    draw_platformer_scene(s, f, style);
  }

 private:
  GameInfo info_{"platform", "CoinRun-Platforms", 1001, 1000, 5.0f, false,
                 "coinrun/CoinRunPlatforms-v0"};
};

}  // namespace

const Game& coinrun_platforms_game() {
  static const CoinrunPlatformsGame g;
  return g;
}

}  // namespace coinrun
