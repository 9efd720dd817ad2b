// Platformer physics shared by CoinRun and CoinRun-Platforms (docs/rules.md §5.3-§5.8).
//
// Bit-exact with the original: state is float, and every expression keeps the original's
// types. The tuning parameters are float variables in the original (so `vy - gravity` is a
// float subtraction), while decimals written inline in its expressions (`x + .1`, `y + 0.2`,
// `0.2 * (near_x - x)`, the monster contact's `< 1.0`) are doubles, so those expressions are
// evaluated in double and stored back to float. docs/fidelity.md lists each case.
#include "physics.h"

#include <cmath>

namespace coinrun {
namespace {

// §5.3 constants, float like the original's physics parameters.
constexpr float kGravity = 0.2f;
constexpr float kMaxJump = 1.5f;     // take-off speed and largest |vy|
constexpr float kMaxSpeed = 0.5f;    // largest |vx|
constexpr float kMixRate = 0.2f;     // ground mixing rate
constexpr float kAirControl = 0.15f; // air mixing = 0.15 * 0.2
constexpr float kLadderMix = 0.4f;   // §5.7
constexpr float kLadderSpeed = 0.4f; // §5.7 speed cap on ladders
constexpr int kSubSteps = 2;         // §5.4 collision sub-steps per tick
constexpr float kSubStepFraction = 1.0f / kSubSteps;
constexpr double kJumpChargePerTick = 1.5 / 4;  // spring += sign(dy) * max_jump / 4 (double)
constexpr float kCrouchSpring = -0.01f;         // "down" on the ground marks a crouch

// §5.4 probes: floors/ceilings at x + 0.1 and x + 0.9; ladders at int(x + 0.5), int(y +- 0.2).
constexpr double kProbeLeft = 0.1;
constexpr double kProbeRight = 0.9;
constexpr double kColumnCentre = 0.5;
constexpr double kLadderReach = 0.2;
constexpr double kLadderPull = 0.2;  // pull toward the ladder column (§5.3)

// §5.8 monsters.
constexpr float kMonsterSpeed = 0.15f;
constexpr float kMonsterMix = 0.1f;
constexpr double kContactDistance = 1.0;  // Manhattan distance of the two corners

inline float clip_abs(float v, float limit) {
  if (v > limit) return limit;
  if (v < -limit) return -limit;
  return v;
}

// The original converts (double or float) -> int by C truncation when indexing the grid.
inline int trunc_index(double v) { return static_cast<int>(v); }

// True when tile (int(x + 0.1), int(y)) or (int(x + 0.9), int(y)) blocks: solid, or also a
// crate when `crates_count`. The original's `!has_vertical_space`.
bool blocked_at(const TileGrid& g, float x, float y, bool crates_count) {
  const int iy = trunc_index(y);
  const Tile l = g.get(trunc_index(static_cast<double>(x) + kProbeLeft), iy);
  const Tile r = g.get(trunc_index(static_cast<double>(x) + kProbeRight), iy);
  if (is_solid(l) || is_solid(r)) return true;
  return crates_count && (is_crate(l) || is_crate(r));
}

// One collision sub-step (§5.4): vertical move first, then horizontal, then the 2x2 touch
// window whose corner is (int(x) before the horizontal move, int(y) after the vertical one).
void sub_step(GameState& s, float mx, float my, int dy, bool& grounded) {
  Agent& a = s.agent;
  const TileGrid& g = s.grid;
  const float ny = a.y + my;
  const float nx = a.x + mx;

  if (my < 0 && blocked_at(g, a.x, ny, false)) {
    a.y = static_cast<float>(trunc_index(ny) + 1);
    grounded = true;
    a.vy = 0;
  } else if (my < 0 && blocked_at(g, a.x, ny, true)) {
    if (dy >= 0 && trunc_index(ny) != trunc_index(a.y)) {
      a.y = static_cast<float>(trunc_index(ny) + 1);
      a.vy = 0;
      grounded = true;
    } else {  // pressing down, or already inside the crate row: fall through
      grounded = false;
      a.y = ny;
    }
  } else if (my > 0 && blocked_at(g, a.x, ny + 1, false)) {
    a.y = static_cast<float>(trunc_index(ny));
    // The original walks down until free. Below the grid every read is solid here, so the
    // walk stops at row 0 instead of running forever (only reachable from hand-built states).
    while (blocked_at(g, a.x, a.y, false) && a.y > 0) a.y -= 1;
    a.vy = 0;
  } else {
    a.y = ny;
  }

  const int ix = trunc_index(a.x);
  const int iy = trunc_index(a.y);
  const int inx = trunc_index(nx);
  if (mx < 0 && g.solid(inx, iy)) {
    a.vx = 0;
    a.x = static_cast<float>(inx + 1);
  } else if (mx > 0 && g.solid(inx + 1, iy)) {
    a.vx = 0;
    a.x = static_cast<float>(inx);
  } else {
    a.x = nx;
  }

  touch_tile(s, ix, iy);
  touch_tile(s, ix, iy + 1);
  touch_tile(s, ix + 1, iy);
  touch_tile(s, ix + 1, iy + 1);
}

inline float sign_of(float v) { return v > 0 ? 1.0f : (v == 0 ? 0.0f : -1.0f); }

void step_monster(Monster& m, const TileGrid& g) {
  if (m.kind == MonsterKind::Saw) return;
  float steer = sign_of(m.vx);
  const int ix = trunc_index(m.x);
  const int iy = trunc_index(m.y);
  if (g.solid(ix, iy)) steer = +1;
  if (g.solid(ix + 1, iy)) steer = -1;
  if (m.kind == MonsterKind::Walker) {
    if (!g.solid(ix, iy - 1)) steer = +1;      // no floor under the left part
    if (!g.solid(ix + 1, iy - 1)) steer = -1;  // no floor under the right part
  }
  m.vx = clip_abs(kMonsterMix * steer + (1.0f - kMonsterMix) * m.vx, kMonsterSpeed);
  m.x += m.vx;
  m.y += m.vy;
  for (int t = 1; t < kTrailLength; ++t) {
    m.trail_x[t - 1] = m.trail_x[t];
    m.trail_y[t - 1] = m.trail_y[t];
  }
  m.trail_x[kTrailLength - 1] = m.x;
  m.trail_y[kTrailLength - 1] = m.y;
}

}  // namespace

void touch_tile(GameState& s, int tx, int ty) {
  const Tile t = s.grid.get(tx, ty);
  if (is_lethal(t)) {
    s.level_over = true;
    s.died = true;
    return;
  }
  if (t == Tile::Coin || t == Tile::Gem) {
    s.grid.set(tx, ty, Tile::Empty);
    s.coins_needed -= 1;
    if (s.coins_needed == 0) {
      s.pending_reward += 10.0f;  // §5.5: the last coin pays 10 and ends the level
      s.level_over = true;
      s.level_complete = true;
    } else {
      s.pending_reward += 1.0f;
    }
  }
}

void update_agent_platformer(GameState& s, int dx, int dy) {
  Agent& a = s.agent;
  const TileGrid& g = s.grid;
  bool grounded = false;

  const int near_x = trunc_index(static_cast<double>(a.x) + kColumnCentre);
  const bool ladder_here =
      g.get(near_x, trunc_index(static_cast<double>(a.y) + kLadderReach)) == Tile::Ladder ||
      g.get(near_x, trunc_index(static_cast<double>(a.y) - kLadderReach)) == Tile::Ladder;
  if (!ladder_here) {
    a.climbing = false;
  } else if (dy != 0) {
    a.climbing = true;
  }

  if (a.climbing) {
    // float part, then a double part from the 0.2 literal (original's expression types).
    const float damped_x = (1.0f - kLadderMix) * a.vx;
    const float pull = static_cast<float>(near_x) - a.x;
    const double target = static_cast<double>(dx) + kLadderPull * static_cast<double>(pull);
    a.vx = static_cast<float>(static_cast<double>(damped_x) +
                              static_cast<double>(kLadderMix * kMaxSpeed) * target);
    a.vx = clip_abs(a.vx, kLadderSpeed);
    a.vy = (1.0f - kLadderMix) * a.vy + kLadderMix * kMaxSpeed * static_cast<float>(dy);
    a.vy = clip_abs(a.vy, kLadderSpeed);
  } else if (a.spring > 0 && a.vy == 0 && dy == 0) {
    a.vy = kMaxJump;  // jump on release of "up"
    a.spring = 0;
    grounded = true;
  } else {
    a.vy -= kGravity;
  }

  a.vy = clip_abs(a.vy, kMaxJump);
  a.vx = clip_abs(a.vx, kMaxSpeed);

  for (int i = 0; i < kSubSteps; ++i) {
    sub_step(s, a.vx * kSubStepFraction, a.vy * kSubStepFraction, dy, grounded);
    if (a.vx == 0 && a.vy == 0) break;
  }

  if (grounded) {
    if (dy > 0) a.spring = static_cast<float>(static_cast<double>(a.spring) + kJumpChargePerTick);
    if (dy < 0) a.spring = kCrouchSpring;
    if (dy == 0 && a.spring < 0) a.spring = 0;
    a.spring = clip_abs(a.spring, kMaxJump);
    a.vx = (1.0f - kMixRate) * a.vx;
    if (a.spring == 0) a.vx += kMixRate * kMaxSpeed * static_cast<float>(dx);
    if (std::fabs(a.vx) < kMixRate * kMaxSpeed) a.vx = 0;
  } else {
    a.spring = 0;
    const float ac = kAirControl * kMixRate;
    a.vx = (1.0f - ac) * a.vx + ac * static_cast<float>(dx);
  }

  if (a.vx < 0) {
    a.facing_right = false;
  } else if (a.vx > 0) {
    a.facing_right = true;
  }
}

void update_monsters(GameState& s) {
  const Agent& a = s.agent;
  for (int i = 0; i < s.num_monsters; ++i) {
    Monster& m = s.monsters[i];
    step_monster(m, s.grid);
    // §5.8 contact: float differences, summed in double like the original's ::fabs.
    const double dist = std::fabs(static_cast<double>(m.x - a.x)) +
                        std::fabs(static_cast<double>(m.y - a.y));
    if (dist < kContactDistance) {
      s.level_over = true;
      s.died = true;
    }
  }
}

}  // namespace coinrun
