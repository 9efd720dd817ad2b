// Renderer tests (docs/rules.md §7): frames are not blank, the camera puts the agent where §7.2
// says, overlays have the values of §7.8-§7.9, every look is distinct, bytes are deterministic,
// and golden hashes pin a few frames (see docs/rendering.md for how to update them).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <set>
#include <thread>
#include <vector>

#include "core/env.h"
#include "core/game_registry.h"
#include "render/overlays.h"
#include "render/scene.h"
#include "render/sprite_atlas.h"
#include "test_helpers.h"

#if defined(__GNUC__) && !defined(__clang__)
// GCC inlines the replacement delete below into every delete-expression of this file and then
// flags free() on memory from `new`, which is exactly what the replacement pair does.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Allocation counting for Render.ObservationPathAllocatesNothing: this binary's global
// operator new/delete are plain malloc/free (what the defaults do) plus a counter that is only
// active on a thread that asks for it, so other tests are unaffected.
namespace {
std::atomic<long> g_allocations{0};
thread_local bool g_count_allocations = false;
}  // namespace

void* operator new(std::size_t n) {
  if (g_count_allocations) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace coinrun {
namespace {

struct Image {
  int w, h;
  std::vector<uint8_t> rgb;
  Image(int w_, int h_, uint8_t fill = 0) : w(w_), h(h_), rgb(size_t(w_) * h_ * 3, fill) {}
  FrameView view() { return FrameView::packed(rgb.data(), w, h); }
  const uint8_t* at(int x, int y) const { return &rgb[(size_t(y) * w + x) * 3]; }
  bool operator==(const Image& o) const { return rgb == o.rgb; }
};

const Game& game(const char* name) {
  const Game* g = find_game(name);
  EXPECT_NE(g, nullptr) << name;
  return *g;
}

std::unique_ptr<GameState> level(const char* name, uint32_t seed, bool high = false) {
  auto s = testing::generated_level(game(name), seed, high);
  s->zoom = game(name).info().zoom;
  return s;
}

Image draw(const char* name, const GameState& s, int size = 64) {
  Image img(size, size, 0);
  game(name).draw(s, img.view());
  return img;
}

size_t distinct_colours(const Image& img) {
  std::set<uint32_t> c;
  for (size_t i = 0; i < img.rgb.size(); i += 3) {
    c.insert(uint32_t(img.rgb[i]) << 16 | uint32_t(img.rgb[i + 1]) << 8 | img.rgb[i + 2]);
  }
  return c.size();
}

using testing::fnv1a;
uint64_t fnv1a(const Image& img) { return fnv1a(img.rgb); }

// Runs a fixed action pattern so that golden frames also cover motion, poses and trails.
void play(const char* name, GameState& s, int ticks) {
  const Game& g = game(name);
  for (int t = 0; t < ticks && !s.level_over; ++t) {
    s.clock += 1;
    s.age += 1;
    g.step(s, (t % 7 == 3) ? 4 : 1);  // mostly right, a jump every 7 ticks
  }
}

TEST(Render, NoBlankFramesPlatformers) {
  for (const char* name : {"standard", "platform"}) {
    for (uint32_t seed = 0; seed < 8; ++seed) {
      auto s = level(name, seed);
      const Image img = draw(name, *s);
      EXPECT_GE(distinct_colours(img), 40u) << name << " seed " << seed;
      const Image big = draw(name, *s, 256);
      EXPECT_GE(distinct_colours(big), 200u) << name << " seed " << seed << " at 256 px";
    }
  }
}

TEST(Render, MazeUsesFlatColours) {  // §7.10
  for (uint32_t seed = 0; seed < 6; ++seed) {
    auto s = level("maze", seed);
    const Image img = draw("maze", *s);
    std::set<uint32_t> allowed = {30u << 16 | 30u << 8 | 30u, 150u << 16 | 150u << 8 | 150u,
                                  255u << 16 | 255u << 8 | 0u, 0u << 16 | 255u << 8 | 199u};
    std::set<uint32_t> seen;
    for (size_t i = 0; i < img.rgb.size(); i += 3) {
      seen.insert(uint32_t(img.rgb[i]) << 16 | uint32_t(img.rgb[i + 1]) << 8 | img.rgb[i + 2]);
    }
    for (uint32_t c : seen)
      EXPECT_TRUE(allowed.count(c)) << "seed " << seed << " colour " << std::hex << c;
    EXPECT_GE(seen.size(), 3u) << "background, walls and agent";
  }
}

// Bounding box of pixels with a given colour.
struct Box {
  int x0 = 1 << 20, y0 = 1 << 20, x1 = -1, y1 = -1;
};
Box find_colour(const Image& img, uint8_t r, uint8_t g, uint8_t b) {
  Box box;
  for (int y = 0; y < img.h; ++y) {
    for (int x = 0; x < img.w; ++x) {
      const uint8_t* p = img.at(x, y);
      if (p[0] == r && p[1] == g && p[2] == b) {
        box.x0 = std::min(box.x0, x), box.y0 = std::min(box.y0, y);
        box.x1 = std::max(box.x1, x), box.y1 = std::max(box.y1, y);
      }
    }
  }
  return box;
}

TEST(Render, MazeAgentAtSpecPosition) {  // §7.2: box centre on pixel (31, 33) at 64 x 64
  auto s = level("maze", 3);
  s->zoom = 5.0f;  // the first-episode zoom (§7.2 quirk): k = 5 exactly
  Box b = find_colour(draw("maze", *s), 0, 255, 199);
  EXPECT_EQ(b.x0, 29);
  EXPECT_EQ(b.x1, 33);
  EXPECT_EQ(b.y0, 31);
  EXPECT_EQ(b.y1, 35);
  s->zoom = 7.5f;  // later episodes: edges at 27.25 and 35.25 rounded to 27 and 35
  b = find_colour(draw("maze", *s), 0, 255, 199);
  EXPECT_EQ(b.x0, 27);
  EXPECT_EQ(b.x1, 34);
  EXPECT_EQ(b.y0, 29);
  EXPECT_EQ(b.y1, 36);
  b = find_colour(draw("maze", *s, 512), 0, 255, 199);  // k = 60: 255 - 30 .. 255 + 30
  EXPECT_EQ(b.x0, 225);
  EXPECT_EQ(b.x1, 284);
  EXPECT_EQ(b.y0, 227);
  EXPECT_EQ(b.y1, 286);
}

TEST(Render, PlatformerAgentAtSpecPosition) {  // §7.2, §7.4: the 1 x 2 box above (ax, ay)
  for (uint32_t seed : {0u, 5u}) {
    auto s = level("standard", seed);
    s->cosmetics.agent_look = 0;
    const Image a = draw("standard", *s);
    s->cosmetics.agent_look = 3;
    const Image b = draw("standard", *s);
    Box diff;
    for (int y = 0; y < 64; ++y) {
      for (int x = 0; x < 64; ++x) {
        if (std::memcmp(a.at(x, y), b.at(x, y), 3) != 0) {
          diff.x0 = std::min(diff.x0, x), diff.y0 = std::min(diff.y0, y);
          diff.x1 = std::max(diff.x1, x), diff.y1 = std::max(diff.y1, y);
        }
      }
    }
    ASSERT_GE(diff.x1, 0) << "the agent's look changed no pixel";
    EXPECT_GE(diff.x0, 29);
    EXPECT_LE(diff.x1, 33);
    EXPECT_GE(diff.y0, 26);
    EXPECT_LE(diff.y1, 35);
    EXPECT_GE(diff.y1 - diff.y0 + 1, 5) << "the character fills the lower part of the box";
  }
}

TEST(Render, VelocitySquaresAtRest) {  // §7.9
  Image img(64, 64, 0);
  draw_velocity_squares(img.view(), 0.0f, 0.0f);
  for (int y = 0; y < 12; ++y) {
    for (int x = 0; x < 12; ++x) EXPECT_EQ(img.at(x, y)[0], 127) << x << "," << y;
    for (int x = 13; x < 25; ++x) EXPECT_EQ(img.at(x, y)[0], 127) << x << "," << y;
    EXPECT_EQ(img.at(26, y)[0], 0);
    EXPECT_EQ(img.at(12, y)[1], img.at(12, y)[0]);  // grey
  }
  // Antialiased 13th column and row: 0.8 of the first square, then 0.2 of the second.
  EXPECT_NEAR(img.at(12, 0)[0], 127 * 0.2 + 127 * 0.8 * 0.8, 1.5);
  EXPECT_NEAR(img.at(0, 12)[0], 127 * 0.8, 1.5);
  EXPECT_NEAR(img.at(25, 0)[0], 127 * 0.6, 1.5);
  EXPECT_EQ(img.at(0, 13)[0], 0);
  EXPECT_EQ(img.at(30, 30)[0], 0);
}

TEST(Render, VelocitySquaresValuesAndSize) {
  Image img(64, 64, 0);
  draw_velocity_squares(img.view(), 0.5f, -1.5f);
  EXPECT_EQ(img.at(5, 5)[0], 255);
  EXPECT_EQ(img.at(18, 5)[0], 0);
  draw_velocity_squares(img.view(), -0.25f, 0.75f);
  EXPECT_EQ(img.at(5, 5)[0], 63);                 // int(255 * 0.25)
  EXPECT_EQ(img.at(18, 5)[0], 191);               // int(255 * 0.75)
  draw_velocity_squares(img.view(), 0.6f, 0.0f);  // §13 item 11: saturates
  EXPECT_EQ(img.at(5, 5)[0], 255);
  Image big(512, 512, 0);
  draw_velocity_squares(big.view(), 0.0f, 0.0f);  // side 102.4
  EXPECT_EQ(big.at(101, 101)[0], 127);
  EXPECT_EQ(big.at(103, 0)[0], 127);
  EXPECT_EQ(big.at(203, 0)[0], 127);
  EXPECT_EQ(big.at(205, 0)[0], 0);
  EXPECT_EQ(big.at(0, 103)[0], 0);
}

TEST(Render, AugmentationStaysInFrameAndIsDeterministic) {  // §7.8
  for (uint32_t seed = 0; seed < 20; ++seed) {
    Image a(64, 64, 7), b(64, 64, 7);
    Rng ra(seed), rb(seed);
    draw_augmentation(a.view(), ra);
    draw_augmentation(b.view(), rb);
    EXPECT_EQ(a, b);
    EXPECT_EQ(ra.raw(), rb.raw());
  }
}

TEST(Render, GrayscaleIsFloorOfMean) {  // §7.11
  PoolOptions colour, grey;
  colour.game = grey.game = "standard";
  grey.use_black_white = true;
  colour.seed = grey.seed = 9;
  for (int env = 0; env < 3; ++env) {
    Env c(game("standard"), colour, nullptr, env), g(game("standard"), grey, nullptr, env);
    for (int t = 0; t < 5; ++t) {
      std::vector<uint8_t> rgb(64 * 64 * 3), y(64 * 64);
      c.observe(rgb.data());
      g.observe(y.data());
      for (int i = 0; i < 64 * 64; ++i) {
        ASSERT_EQ(y[i], (rgb[3 * i] + rgb[3 * i + 1] + rgb[3 * i + 2]) / 3) << "pixel " << i;
      }
      c.step(t % 3);
      g.step(t % 3);
    }
  }
}

// Spectators' frames are drawn from a copy of the env (engine/server/spectator_renderer.h) while
// the env steps on: the copy draws exactly what the env drew when it was taken, at any size,
// with the viewing overlays, and later steps of the env do not reach it.
TEST(Render, SnapshotDrawsWhatTheEnvDrewWhenCopied) {
  for (const char* name : {"standard", "platform", "maze"}) {
    PoolOptions o;
    o.game = name;
    o.seed = 4;
    o.use_data_augmentation = true;
    Env env(game(name), o, nullptr, 0);
    for (int t = 0; t < 30; ++t) env.step(t % 7);
    const EnvSnapshot snap = env.snapshot();
    EXPECT_EQ(snap.episode_length, env.episode_length()) << name;
    EXPECT_EQ(snap.state.level_seed, env.state().level_seed) << name;
    std::vector<uint8_t> want(200 * 120 * 3), got(want.size());
    env.render(FrameView::packed(want.data(), 200, 120));
    for (int t = 0; t < 10; ++t) env.step(2);  // the env moves on; the copy must not
    snap.render(FrameView::packed(got.data(), 200, 120));
    EXPECT_EQ(want, got) << name;
    std::vector<uint8_t> now(want.size());
    env.render(FrameView::packed(now.data(), 200, 120));
    EXPECT_NE(want, now) << name << ": the env did not move, so the test shows nothing";
  }
}

void expect_all_different(const std::vector<Image>& imgs, const char* what) {
  for (size_t i = 0; i < imgs.size(); ++i) {
    for (size_t j = i + 1; j < imgs.size(); ++j) {
      EXPECT_FALSE(imgs[i] == imgs[j]) << what << " " << i << " and " << j << " look the same";
    }
  }
}

TEST(Render, EveryLookIsDistinct) {  // §4.7, §12.2-12.3
  auto s = level("standard", 1);
  std::vector<Image> agents, themes, bgs;
  for (int l = 0; l < kNumAgentLooks; ++l) {
    s->cosmetics.agent_look = static_cast<uint8_t>(l);
    agents.push_back(draw("standard", *s));
  }
  expect_all_different(agents, "agent look");
  for (int t = 0; t < kNumGroundThemes; ++t) {
    s->cosmetics.ground_theme = static_cast<uint8_t>(t);
    themes.push_back(draw("standard", *s));
  }
  expect_all_different(themes, "ground theme");
  for (int b = 0; b < 34; ++b) {
    s->cosmetics.background = static_cast<uint8_t>(b);
    bgs.push_back(draw("standard", *s));
  }
  expect_all_different(bgs, "background");
}

TEST(Render, EverySpriteIsDistinctAtObservationSize) {
  const SpriteAtlas& atlas = SpriteAtlas::get();
  const SpriteSet& cells = atlas.cells(5, 5);
  std::vector<const Sprite*> looks;
  for (int sp = 0; sp < kNumWalkerLooks; ++sp) {
    for (int f = 0; f < 2; ++f) looks.push_back(&cells[CellIndex::walker(sp, f, false)]);
  }
  for (int c = 0; c < kNumCrateLooks; ++c) looks.push_back(&cells[CellIndex::crate(c)]);
  for (int t = 0; t < kNumGroundThemes; ++t) {
    for (int p = 0; p < 4; ++p) looks.push_back(&cells[CellIndex::ground(t, GroundPart(p))]);
  }
  for (int f = 0; f < 2; ++f) {
    looks.push_back(&cells[CellIndex::saw(f, false)]);
    looks.push_back(&cells[CellIndex::flyer(f, false)]);
  }
  for (size_t i = 0; i < looks.size(); ++i) {
    EXPECT_EQ(looks[i]->w, 5);
    for (size_t j = i + 1; j < looks.size(); ++j) {
      EXPECT_FALSE(looks[i]->rgb == looks[j]->rgb && looks[i]->inv_alpha == looks[j]->inv_alpha)
          << "sprites " << i << " and " << j << " are identical at 5 px";
    }
  }
  const SpriteSet& agents = atlas.agents(5, 10);
  for (int l = 0; l < kNumAgentLooks; ++l) {
    std::set<uint64_t> poses;
    for (int p = 0; p < static_cast<int>(AgentPose::Count); ++p) {
      const uint64_t plain = fnv1a(agents[agent_index(l, AgentPose(p), false)].rgb);
      poses.insert(plain);
      EXPECT_NE(plain, fnv1a(agents[agent_index(l, AgentPose(p), true)].rgb))
          << "mirrored agent equals unmirrored";
    }
    EXPECT_GE(poses.size(), 6u) << "look " << l;
  }
}

TEST(Render, LavaScrollsWithTenTickPeriod) {  // §7.7
  auto s = level("standard", 2);
  s->num_monsters = 0;
  for (int x = 0; x < 64; ++x) s->grid.set(x, static_cast<int>(s->agent.y) - 1, Tile::LavaTop);
  s->clock = 0;
  const Image a = draw("standard", *s);
  s->clock = 10;
  const Image b = draw("standard", *s);
  s->clock = 3;
  const Image c = draw("standard", *s);
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
}

TEST(Render, MonstersAnimateAndLeaveTrails) {  // §7.5
  auto s = level("standard", 2);
  Monster m;
  m.kind = MonsterKind::Walker;
  m.x = s->agent.x + 2, m.y = s->agent.y, m.vx = 0.15f;
  for (int i = 0; i < kTrailLength; ++i)
    m.trail_x[i] = m.x - 0.15f * (kTrailLength - 1 - i), m.trail_y[i] = m.y;
  s->num_monsters = 0;
  const Image none = draw("standard", *s);
  s->add_monster(m);
  s->clock = 0;
  const Image f0 = draw("standard", *s);
  s->clock = 5;
  const Image f1 = draw("standard", *s);
  EXPECT_FALSE(none == f0);
  EXPECT_FALSE(f0 == f1) << "walker frames alternate every 5 ticks";
  s->monsters[0].vx = -0.15f;
  s->clock = 0;
  EXPECT_FALSE(draw("standard", *s) == f0) << "walkers face their direction of travel";
}

TEST(Render, DeterministicAcrossCallsAndThreads) {
  auto s = level("platform", 4);
  play("platform", *s, 30);
  const Image ref64 = draw("platform", *s), ref512 = draw("platform", *s, 512);
  EXPECT_EQ(draw("platform", *s), ref64);
  std::vector<Image> out(8, Image(512, 512));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] { game("platform").draw(*s, out[t].view()); });
  }
  for (auto& t : threads) t.join();
  for (const Image& img : out) EXPECT_EQ(img, ref512);
}

TEST(Render, AnyFrameSizeAndStride) {
  auto s = level("standard", 7);
  for (auto [w, h] : {std::pair{1, 1}, {7, 13}, {100, 37}, {64, 128}, {800, 600}}) {
    const int stride = 3 * w + 5;
    std::vector<uint8_t> buf(size_t(stride) * h + 16, 0xAB);
    game("standard").draw(*s, FrameView{buf.data(), w, h, stride});
    for (int y = 0; y < h; ++y) {
      for (int b = 3 * w; b < stride; ++b)
        ASSERT_EQ(buf[size_t(y) * stride + b], 0xAB) << "padding written";
    }
    game("maze").draw(*level("maze", 1), FrameView{buf.data(), w, h, stride});
  }
  game("standard").draw(*s, FrameView{});  // empty frame: nothing to do, no crash
}

TEST(Render, AgentPoseFollowsSpecRules) {  // §7.4
  auto s = level("standard", 6);
  s->num_monsters = 0;
  auto frame = [&](float vx, float vy, float spring, bool climbing, int age, bool right = true) {
    s->agent.vx = vx, s->agent.vy = vy, s->agent.spring = spring, s->agent.climbing = climbing;
    s->agent.facing_right = right;
    s->age = age;
    return fnv1a(draw("standard", *s));
  };
  const uint64_t stand = frame(0, 0, 0, false, 0);
  const uint64_t jump = frame(0.2f, 0.5f, 0, false, 0);
  const uint64_t crouch = frame(0, 0, 0.375f, false, 0);
  const uint64_t walk_a = frame(0.2f, 0, 0, false, 0);
  const uint64_t walk_b = frame(0.2f, 0, 0, false, 5);
  const uint64_t climb_a = frame(0, 0.4f, 0, true, 0);
  const uint64_t climb_b = frame(0, 0.4f, 0, true, 5);
  const std::set<uint64_t> poses = {stand, jump, crouch, walk_a, walk_b, climb_a, climb_b};
  EXPECT_EQ(poses.size(), 7u) << "seven distinct poses";
  EXPECT_EQ(frame(0.2f, 0, 0, false, 4), walk_a) << "frames alternate every 5 ticks";
  EXPECT_EQ(frame(0.2f, 0, 0, false, 10), walk_a);
  EXPECT_EQ(frame(0, -0.3f, 0.375f, false, 0), jump) << "vy != 0 wins over the spring";
  EXPECT_EQ(frame(0.3f, 0.7f, 0.375f, true, 0), climb_a) << "climbing wins over everything";
  EXPECT_NE(frame(0, 0, 0, false, 0, false), stand) << "mirrored when facing left";
}

TEST(Render, BackgroundScrollsAtFortyPercent) {  // §7.6: parallax 0.4, 2 px per tile at k = 5
  auto s = level("standard", 8);
  s->grid.fill(Tile::Empty);
  s->num_monsters = 0;
  s->agent = Agent{};
  s->agent.x = 20, s->agent.y = 30;
  const Image a = draw("standard", *s);
  s->agent.x = 21;
  const Image b = draw("standard", *s);  // picture moved 2 px left
  s->agent.x = 20, s->agent.y = 31;
  const Image c = draw("standard", *s);  // picture moved 2 px down
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 62; ++x) {
      if (x >= 27 && x <= 35) continue;  // the agent
      ASSERT_EQ(std::memcmp(b.at(x, y), a.at(x + 2, y), 3), 0) << x << "," << y;
    }
  }
  for (int y = 2; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      if (x >= 27 && x <= 35) continue;
      ASSERT_EQ(std::memcmp(c.at(x, y), a.at(x, y - 2), 3), 0) << x << "," << y;
    }
  }
}

TEST(Render, ObservationPathAllocatesNothing) {  // the 64 x 64 hot path (docs/rendering.md)
  std::vector<std::unique_ptr<GameState>> states;
  for (const char* name : {"standard", "platform", "maze"}) {
    for (uint32_t seed = 0; seed < 4; ++seed) {
      states.push_back(level(name, seed));
      play(name, *states.back(), 25);
    }
  }
  Image img(64, 64);
  Rng aug(3);
  auto draw_all = [&] {
    for (size_t i = 0; i < states.size(); ++i) {
      const char* name = i < 4 ? "standard" : i < 8 ? "platform" : "maze";
      game(name).draw(*states[i], img.view());
      draw_augmentation(img.view(), aug);
      draw_velocity_squares(img.view(), states[i]->agent.vx, states[i]->agent.vy);
    }
  };
  draw_all();  // first use builds the atlas and these levels' background pictures
  g_allocations = 0;
  g_count_allocations = true;
  for (int r = 0; r < 20; ++r) draw_all();
  g_count_allocations = false;
  EXPECT_EQ(g_allocations.load(), 0);
  // The counter itself works: a vector allocates once.
  g_count_allocations = true;
  auto probe = std::make_unique<std::vector<int>>(16);
  g_count_allocations = false;
  EXPECT_EQ(g_allocations.load(), 2) << "unique_ptr and vector storage";
}

// Golden frames: FNV-1a of the 64 x 64 RGB bytes. They change whenever the art or the
// renderer changes on purpose; regenerate with COINRUN_PRINT_GOLDEN=1 (docs/rendering.md).
struct Golden {
  const char* game;
  uint32_t seed;
  bool high;
  int ticks;
  uint64_t hash;
};
const Golden kGolden[] = {
    {"standard", 0, false, 0, 0x257b68c078567403ull},
    {"standard", 1, true, 40, 0x87216d2d86122ef9ull},
    {"platform", 0, false, 0, 0xec280b48190cd09full},
    {"platform", 3, false, 40, 0x9a5728d37b4603cfull},
    {"maze", 0, false, 0, 0x15e06b0001d5e53bull},
    {"maze", 2, true, 40, 0x94134c157d9a9fe3ull},
};

TEST(Render, GoldenFrameHashes) {
  const bool print = std::getenv("COINRUN_PRINT_GOLDEN") != nullptr;
  for (const Golden& g : kGolden) {
    auto s = level(g.game, g.seed, g.high);
    play(g.game, *s, g.ticks);
    const uint64_t h = fnv1a(draw(g.game, *s));
    if (print) {
      std::printf("    {\"%s\", %u, %s, %d, 0x%016llxull},\n", g.game, g.seed,
                  g.high ? "true" : "false", g.ticks, static_cast<unsigned long long>(h));
    } else {
      EXPECT_EQ(h, g.hash) << g.game << " seed " << g.seed << ": see docs/rendering.md to update";
    }
  }
}

}  // namespace
}  // namespace coinrun
