// Platformer physics (docs/rules.md §5.3-§5.8) on hand-built levels, including the §5.10 test
// vectors.
#include "core/physics.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "games/platformer_common.h"

namespace coinrun {
namespace {

constexpr float kTol = 1e-4f;

// Flat ground: the border of §4.2 only, so row 0 is the floor and the agent walks in row 1.
std::unique_ptr<GameState> flat_level(float x = 5.0f, float y = 1.0f) {
  auto s = std::make_unique<GameState>();
  s->grid.fill(Tile::Empty);
  add_border(s->grid);
  s->agent = Agent{};
  s->agent.x = x;
  s->agent.y = y;
  s->coins_needed = s->coins_total = 1;
  return s;
}

void tick(GameState& s, int dx, int dy) { update_agent_platformer(s, dx, dy); }

TEST(Physics, RunningFromRest) {  // §5.10
  auto s = flat_level();
  const float want_vx[] = {0.1f, 0.18f, 0.244f, 0.2952f, 0.33616f};
  const float want_x[] = {5.0f, 5.1f, 5.28f, 5.524f, 5.8192f};
  for (int t = 0; t < 5; ++t) {
    tick(*s, 1, 0);
    EXPECT_NEAR(s->agent.vx, want_vx[t], kTol) << "tick " << t + 1;
    EXPECT_NEAR(s->agent.x, want_x[t], kTol) << "tick " << t + 1;
    EXPECT_EQ(s->agent.y, 1.0f);
    EXPECT_EQ(s->agent.vy, 0.0f);
  }
  for (int t = 0; t < 60; ++t) tick(*s, 1, 0);
  EXPECT_NEAR(s->agent.vx, 0.5f, kTol);  // top ground speed
  EXPECT_TRUE(s->agent.facing_right);
}

TEST(Physics, StandingJumpHeights) {  // §5.10
  auto s = flat_level();
  tick(*s, 0, 1);  // charge
  EXPECT_EQ(s->agent.spring, 0.375f);
  EXPECT_EQ(s->agent.y, 1.0f);
  const float want_y[] = {2.5f, 3.8f, 4.9f, 5.8f, 6.5f, 7.0f, 7.3f, 7.4f,
                          7.3f, 7.0f, 6.5f, 5.8f, 4.9f, 3.8f, 2.5f, 1.0f};
  float peak = 0;
  for (int t = 0; t < 16; ++t) {
    tick(*s, 0, 0);
    EXPECT_NEAR(s->agent.y, want_y[t], kTol) << "tick " << t + 1 << " after take-off";
    EXPECT_NE(s->agent.vy, 0.0f) << "still in the air at tick " << t + 1;
    peak = std::max(peak, s->agent.y);
  }
  EXPECT_NEAR(peak - 1.0f, 6.4f, kTol);
  EXPECT_EQ(s->agent.spring, 0.0f);
  tick(*s, 0, 0);  // the 17th tick finds the floor
  EXPECT_EQ(s->agent.vy, 0.0f);
  EXPECT_EQ(s->agent.y, 1.0f);
  EXPECT_EQ(s->agent.x, 5.0f);
}

TEST(Physics, HoldingUpNeverJumps) {  // §5.10
  auto s = flat_level();
  const float want[] = {0.375f, 0.75f, 1.125f, 1.5f, 1.5f, 1.5f};
  for (float w : want) {
    tick(*s, 0, 1);
    EXPECT_EQ(s->agent.spring, w);
    EXPECT_EQ(s->agent.y, 1.0f);
    EXPECT_EQ(s->agent.vy, 0.0f);
  }
  for (int t = 0; t < 100; ++t) tick(*s, 0, 1);
  EXPECT_EQ(s->agent.y, 1.0f);
  // Releasing jumps, at the same speed whatever the charge.
  tick(*s, 0, 0);
  EXPECT_NEAR(s->agent.y, 2.5f, kTol);
}

TEST(Physics, DownCancelsTheCharge) {  // §5.3
  auto s = flat_level();
  tick(*s, 0, 1);
  tick(*s, 0, -1);
  EXPECT_EQ(s->agent.spring, -0.01f);
  tick(*s, 0, 0);  // no jump, crouch marker cleared
  EXPECT_EQ(s->agent.y, 1.0f);
  EXPECT_EQ(s->agent.spring, 0.0f);
}

TEST(Physics, RunningJump) {  // §5.10: 30 ticks of 1, one tick of 4, then 1
  auto s = flat_level();
  for (int t = 0; t < 30; ++t) tick(*s, 1, 0);
  tick(*s, 1, 1);
  EXPECT_NEAR(s->agent.vx, 0.40f, 1e-3f);  // no running while charging
  EXPECT_EQ(s->agent.y, 1.0f);
  const float takeoff_x = s->agent.x;
  EXPECT_NEAR(takeoff_x, 18.0f, 0.1f);
  // Landing: the first tick that brings the agent back down to its starting row (the floor
  // itself is only detected on the next tick, as in the standing jump).
  bool airborne = false;
  float landing_x = -1;
  for (int t = 0; t < 40 && landing_x < 0; ++t) {
    tick(*s, 1, 0);
    if (s->agent.y > 1.0f) airborne = true;
    if (airborne && s->agent.y <= 1.0f + kTol) landing_x = s->agent.x;
  }
  ASSERT_TRUE(airborne);
  EXPECT_NEAR(landing_x, 25.7f, 0.1f);
  EXPECT_NEAR(landing_x - takeoff_x, 7.7f, 0.15f);
}

TEST(Physics, CoinTakenOnTheTickStartingAtX39) {  // §5.10
  auto s = flat_level(37.0f, 1.0f);
  s->grid.set(40, 1, Tile::Coin);
  s->agent.vx = 0.5f;
  std::vector<float> starts;
  for (int t = 0; t < 6 && !s->level_over; ++t) {
    starts.push_back(s->agent.x);
    s->pending_reward = 0;
    tick(*s, 1, 0);
  }
  ASSERT_TRUE(s->level_over);
  EXPECT_TRUE(s->level_complete);
  EXPECT_FALSE(s->died);
  EXPECT_EQ(starts.back(), 39.0f);
  EXPECT_EQ(starts.size(), 5u);  // 37.0, 37.5, 38.0, 38.5, 39.0
  EXPECT_EQ(s->pending_reward, 10.0f);
  EXPECT_EQ(s->coins_needed, 0);
  EXPECT_EQ(s->grid.get(40, 1), Tile::Empty);
}

TEST(Physics, TouchWindowIsFlushNotOverlapping) {  // §5.4: box flush against the coin tile
  auto at = flat_level(39.0f, 1.0f);
  at->grid.set(40, 1, Tile::Coin);
  tick(*at, 0, 0);
  EXPECT_TRUE(at->level_complete);

  auto short_of = flat_level(38.99f, 1.0f);
  short_of->grid.set(40, 1, Tile::Coin);
  tick(*short_of, 0, 0);
  EXPECT_FALSE(short_of->level_over);
  EXPECT_EQ(short_of->grid.get(40, 1), Tile::Coin);

  auto below = flat_level(10.0f, 1.0f);  // coin directly above the head row is touched too
  below->grid.set(10, 2, Tile::Coin);
  tick(*below, 0, 0);
  EXPECT_TRUE(below->level_complete);
}

TEST(Physics, PlatformsCoinsPayOneThenTen) {  // §5.5
  auto s = flat_level(10.0f, 1.0f);
  s->coins_needed = s->coins_total = 2;
  s->grid.set(11, 1, Tile::Coin);
  s->grid.set(13, 1, Tile::Gem);
  tick(*s, 0, 0);
  EXPECT_EQ(s->pending_reward, 1.0f);
  EXPECT_FALSE(s->level_over);
  s->agent.x = 12.0f;
  tick(*s, 0, 0);
  EXPECT_EQ(s->pending_reward, 11.0f);
  EXPECT_TRUE(s->level_over);
  EXPECT_TRUE(s->level_complete);
}

TEST(Physics, LavaKillsWithoutReward) {  // §5.5
  auto s = flat_level(10.0f, 1.0f);
  s->grid.set(11, 1, Tile::LavaTop);
  tick(*s, 0, 0);
  EXPECT_TRUE(s->level_over);
  EXPECT_TRUE(s->died);
  EXPECT_FALSE(s->level_complete);
  EXPECT_EQ(s->pending_reward, 0.0f);
}

TEST(Physics, WallBlocksOnlyTheFeetRow) {  // §5.4
  auto s = flat_level(5.0f, 1.0f);
  s->grid.set(8, 1, Tile::Ground);
  for (int t = 0; t < 20; ++t) {
    tick(*s, 1, 0);
    EXPECT_LE(s->agent.x, 7.0f);
  }
  // Stopped by the wall in the sub-step; the ground rule then adds the run input again.
  EXPECT_EQ(s->agent.x, 7.0f);
  EXPECT_NEAR(s->agent.vx, 0.1f, kTol);
  // A wall at head height only does not block.
  auto h = flat_level(5.0f, 1.0f);
  h->grid.set(8, 2, Tile::Ground);
  for (int t = 0; t < 20; ++t) tick(*h, 1, 0);
  EXPECT_GT(h->agent.x, 9.0f);
  // Leftwards too.
  auto l = flat_level(9.0f, 1.0f);
  l->grid.set(6, 1, Tile::Surface);
  for (int t = 0; t < 20; ++t) tick(*l, -1, 0);
  EXPECT_EQ(l->agent.x, 7.0f);
  EXPECT_FALSE(l->agent.facing_right);
}

TEST(Physics, CeilingStopsTheJump) {  // §5.4 head hit
  auto s = flat_level(5.0f, 1.0f);
  for (int x = 3; x < 9; ++x) s->grid.set(x, 4, Tile::Ground);
  tick(*s, 0, 1);
  tick(*s, 0, 0);  // take-off: 1 -> 1.75 -> 2.5
  EXPECT_NEAR(s->agent.y, 2.5f, kTol);
  tick(*s, 0, 0);  // vy 1.3: 2.5 + 0.65 = 3.15, head row 4 is solid
  EXPECT_EQ(s->agent.y, 3.0f);
  EXPECT_EQ(s->agent.vy, 0.0f);
  for (int t = 0; t < 10; ++t) tick(*s, 0, 0);
  EXPECT_EQ(s->agent.y, 1.0f);
}

TEST(Physics, CratesAreOneWayPlatforms) {  // §5.6
  auto s = flat_level(5.0f, 4.0f);
  s->grid.set(5, 2, Tile::CratePlain);
  // Falls from above and lands on the crate.
  for (int t = 0; t < 10; ++t) tick(*s, 0, 0);
  EXPECT_EQ(s->agent.y, 3.0f);
  EXPECT_EQ(s->agent.vy, 0.0f);
  // Can charge and jump from it.
  tick(*s, 0, 1);
  EXPECT_EQ(s->agent.spring, 0.375f);
  tick(*s, 0, 0);
  EXPECT_NEAR(s->agent.y, 4.5f, kTol);
  for (int t = 0; t < 20; ++t) tick(*s, 0, 0);
  EXPECT_EQ(s->agent.y, 3.0f);
  // "Down" drops through it.
  for (int t = 0; t < 10; ++t) tick(*s, 0, -1);
  EXPECT_EQ(s->agent.y, 1.0f);
  // And it is no obstacle sideways or from below.
  auto w = flat_level(5.0f, 1.0f);
  w->grid.set(7, 1, Tile::CrateDouble);
  w->grid.set(7, 2, Tile::CrateDouble);
  for (int t = 0; t < 20; ++t) tick(*w, 1, 0);
  EXPECT_GT(w->agent.x, 9.0f);
  auto u = flat_level(5.0f, 1.0f);
  u->grid.set(5, 3, Tile::CrateWarning);
  tick(*u, 0, 1);
  tick(*u, 0, 0);
  for (int t = 0; t < 4; ++t) tick(*u, 0, 0);
  EXPECT_GT(u->agent.y, 4.0f);  // passed up through the crate row
}

TEST(Physics, DownOnCrateStackFallsOneRowAtATime) {  // §5.6: lands on the next crate unless down
  auto s = flat_level(5.0f, 3.0f);
  s->grid.set(5, 2, Tile::CratePlain);
  s->grid.set(5, 1, Tile::CratePlain);
  tick(*s, 0, 0);
  EXPECT_EQ(s->agent.y, 3.0f);
  tick(*s, 0, -1);  // through the top crate
  EXPECT_LT(s->agent.y, 3.0f);
  for (int t = 0; t < 10; ++t) tick(*s, 0, 0);
  EXPECT_EQ(s->agent.y, 2.0f);  // caught by the lower crate
}

TEST(Physics, Ladders) {  // §5.7
  auto s = flat_level(10.0f, 1.0f);
  for (int y = 1; y < 12; ++y) s->grid.set(10, y, Tile::Ladder);
  tick(*s, 0, 1);
  EXPECT_TRUE(s->agent.climbing);
  EXPECT_NEAR(s->agent.vy, 0.2f, kTol);
  tick(*s, 0, 1);
  EXPECT_NEAR(s->agent.vy, 0.32f, kTol);
  tick(*s, 0, 1);
  EXPECT_NEAR(s->agent.vy, 0.392f, kTol);
  tick(*s, 0, 1);
  EXPECT_EQ(s->agent.vy, 0.4f);  // capped
  const float y = s->agent.y;
  EXPECT_GT(y, 2.0f);
  // No vertical input: keeps climbing mode, no gravity, speed decays.
  for (int t = 0; t < 40; ++t) tick(*s, 0, 0);
  EXPECT_TRUE(s->agent.climbing);
  EXPECT_LT(std::abs(s->agent.vy), 1e-6f);
  const float hang = s->agent.y;
  tick(*s, 0, 0);
  EXPECT_NEAR(s->agent.y, hang, 1e-5f);
  // Sideways on a ladder: 0.6 vx + 0.2 (dx + 0.2 (column - x)), then the air rule (climbing
  // is never grounded): 0.97 v + 0.03 dx.
  const float x0 = s->agent.x;
  tick(*s, 1, 0);
  const float pulled = 0.2f * (1.0f + 0.2f * (10.0f - x0));
  EXPECT_NEAR(s->agent.vx, 0.97f * pulled + 0.03f, kTol);
  EXPECT_TRUE(s->agent.climbing);
  // Climb down to the floor.
  for (int t = 0; t < 60; ++t) tick(*s, 0, -1);
  EXPECT_EQ(s->agent.y, 1.0f);
}

TEST(Physics, PassingALadderWithoutUpOrDownIsNotClimbing) {  // §5.7
  auto s = flat_level(8.0f, 1.0f);
  for (int y = 1; y < 8; ++y) s->grid.set(10, y, Tile::Ladder);
  for (int t = 0; t < 15; ++t) {
    tick(*s, 1, 0);
    EXPECT_FALSE(s->agent.climbing);
  }
  EXPECT_GT(s->agent.x, 11.0f);
  EXPECT_EQ(s->agent.y, 1.0f);
}

TEST(Physics, ClimbingLeavesWhenTheLadderEnds) {  // §5.7
  auto s = flat_level(10.0f, 1.0f);
  for (int y = 1; y < 4; ++y) s->grid.set(10, y, Tile::Ladder);
  for (int t = 0; t < 30; ++t) tick(*s, 0, 1);
  EXPECT_FALSE(s->agent.climbing);
  EXPECT_LT(s->agent.y, 5.0f);  // gravity took over above the top rung
}

TEST(Physics, WalkerPacesAndNeverFalls) {  // §5.8
  auto s = flat_level(40.0f, 1.0f);
  // A 4-wide platform at row 10: a walker in row 11.
  for (int x = 20; x < 24; ++x) s->grid.set(x, 10, Tile::Surface);
  s->add_monster(make_monster(MonsterKind::Walker, 21, 11, 0));
  float lo = 100, hi = -100;
  bool went_left = false;
  for (int t = 0; t < 400; ++t) {
    update_monsters(*s);
    const Monster& m = s->monsters[0];
    lo = std::min(lo, m.x);
    hi = std::max(hi, m.x);
    EXPECT_EQ(m.y, 11.0f);
    EXPECT_LE(std::abs(m.vx), 0.15f);
    if (m.vx < 0) went_left = true;
  }
  EXPECT_TRUE(went_left);
  EXPECT_GT(lo, 19.0f);
  EXPECT_LT(hi, 23.5f);
  EXPECT_FALSE(s->level_over);
  // The trail holds the 14 latest positions, newest last.
  const Monster& m = s->monsters[0];
  EXPECT_EQ(m.trail_x[kTrailLength - 1], m.x);
}

TEST(Physics, MonsterAccelerationAndSaws) {  // §5.8
  auto s = flat_level(40.0f, 1.0f);
  s->add_monster(make_monster(MonsterKind::Flyer, 10, 20, 0));
  s->add_monster(make_monster(MonsterKind::Saw, 15, 1, 0));
  update_monsters(*s);
  EXPECT_NEAR(s->monsters[0].vx, 0.1f + 0.9f * 0.01f, 1e-6f);
  EXPECT_NEAR(s->monsters[0].x, 10.0f + 0.109f, 1e-5f);
  EXPECT_EQ(s->monsters[1].x, 15.0f);  // saws never move
  EXPECT_EQ(s->monsters[1].vx, 0.01f);
  for (int t = 0; t < 50; ++t) update_monsters(*s);
  EXPECT_EQ(s->monsters[0].vx, 0.15f);
  EXPECT_EQ(s->monsters[0].y, 20.0f);
}

TEST(Physics, FlyerTurnsAtWalls) {  // §5.8
  auto s = flat_level(40.0f, 1.0f);
  s->grid.set(14, 20, Tile::Ground);
  s->add_monster(make_monster(MonsterKind::Flyer, 10, 20, 0));
  float hi = 0;
  for (int t = 0; t < 200; ++t) {
    update_monsters(*s);
    hi = std::max(hi, s->monsters[0].x);
  }
  EXPECT_LT(hi, 14.0f);
  EXPECT_LT(s->monsters[0].x, 13.0f);
}

TEST(Physics, ManhattanContact) {  // §5.8: |dx| + |dy| < 1
  auto near = flat_level(10.5f, 1.0f);
  near->add_monster(make_monster(MonsterKind::Saw, 10, 1, 0));
  near->agent.x = 10.9f;
  update_monsters(*near);
  EXPECT_TRUE(near->level_over);
  EXPECT_TRUE(near->died);

  auto far = flat_level(11.0f, 1.0f);  // distance exactly 1: no contact
  far->add_monster(make_monster(MonsterKind::Saw, 10, 1, 0));
  update_monsters(*far);
  EXPECT_FALSE(far->level_over);

  auto diag = flat_level(10.6f, 1.6f);  // boxes overlap, but the diamond test misses
  diag->add_monster(make_monster(MonsterKind::Saw, 10, 1, 0));
  update_monsters(*diag);
  EXPECT_FALSE(diag->level_over);
}

TEST(Physics, AirControlAndFacing) {  // §5.3
  auto s = flat_level(10.0f, 5.0f);
  tick(*s, -1, 0);  // falling: weak air control
  EXPECT_NEAR(s->agent.vx, -0.03f, 1e-6f);
  EXPECT_FALSE(s->agent.facing_right);
  EXPECT_EQ(s->agent.spring, 0.0f);
}

}  // namespace
}  // namespace coinrun
