// Scene drawing (docs/rules.md §7.2-§7.7, §7.10). The 64 x 64 path allocates nothing: the
// background is a pre-scaled picture copied row by row, and every sprite is pre-scaled to the
// exact pixel size it is drawn at (row copies for opaque tiles, one integer blend per byte
// otherwise).
#include "scene.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "camera.h"
#include "sprite_atlas.h"

namespace coinrun {
namespace {

constexpr double kParallax = 0.4;  // §7.6: the background moves at 40 % of the foreground
constexpr double kBgCentreX = 31.5, kBgCentreY = 32.5;  // §7.6 picture centre, world units
constexpr int kWalkFrameTicks = 5;  // §7.4, §7.5: walk/climb and walker frames last 5 ticks
constexpr uint8_t kMazeBg = 30, kMazeWall = 150;  // §7.10
constexpr uint8_t kMazeAgent[3] = {0, 255, 199};  // §7.10 teal
constexpr uint8_t kMazeCoin[3] = {255, 255, 0};   // §7.10 yellow
constexpr int kMaxFrameDim = 1 << 14;  // bound on frame sizes this renderer accepts
constexpr int kObsTile = 5;  // §7.2: tile size of the 64 x 64 observation (k = zoom = 5)
// Tiles around the frame where an off-frame monster's trail may still show (§7.5).
constexpr double kTrailMargin = 3.0;

// The camera of a frame: on the agent (§7.2), or, without center_agent, on the whole grid at
// one tile per 1/64 of the frame.
Camera scene_camera(const GameState& s, FrameView f, const SceneStyle& st) {
  if (st.center_agent) return Camera(s.zoom, s.agent.x, s.agent.y, f);
  Camera c(1.0f, 0.0f, 0.0f, f);
  c.ax = c.cx / c.kx - 0.5;                                   // px(0) = 0
  c.ay = kGridSize - 0.5 - (c.height - c.cy) / c.ky;          // py(64) = 0
  return c;
}

// Object types of the monochrome style, each with its own flat colour: a tile's type is its
// code mod 64 (all distinct, none in 2..5), the moving objects take 2..5.
enum MonoType : int { kMonoAgent = 2, kMonoSaw, kMonoWalker, kMonoFlyer };

// A flat colour per (type, theme): 64 distinct colours, distinct types never share one for a
// fixed theme (29 is invertible mod 64).
struct Rgb {
  uint8_t r, g, b;
};
Rgb mono_colour(int type, int theme) {
  const int n = (29 * (type + 1) + 19 * theme) % 64;
  return {static_cast<uint8_t>(64 * (n / 16 + 1) - 1), static_cast<uint8_t>(64 * (n / 4 % 4 + 1) - 1),
          static_cast<uint8_t>(64 * (n % 4 + 1) - 1)};
}
void fill_mono(FrameView f, int x0, int y0, int x1, int y1, Rgb c) {
  fill_rect(f, x0, y0, x1, y1, c.r, c.g, c.b);
}

// Top-left pixel of the §7.6 picture copy (0, 0): copy (i, j) is centred at
// bx = Cx + 0.4 (Cx + (31.5 - ax) k) + i S and by = Cy + 0.4 ((ay - 32.5) k - Cy) + j S.
struct BgPlacement {
  double left, top, sx, sy;  // sx, sy: picture size on screen (zoom W, zoom H)
};
BgPlacement bg_placement(const GameState& s, const Camera& cam) {
  const double sx = s.zoom * cam.width, sy = s.zoom * cam.height;
  const double bx = cam.cx + kParallax * (cam.cx + (kBgCentreX - cam.ax) * cam.kx);
  const double by = cam.cy + kParallax * ((cam.ay - kBgCentreY) * cam.ky - cam.cy);
  return {bx - sx / 2, by - sy / 2, sx, sy};
}

// The 4 x 3 copies of §7.6 always cover the frame, so they are drawn as one periodic tiling.
void draw_background(const GameState& s, const Camera& cam, FrameView f, const SceneStyle& st) {
  if (!st.use_backgrounds) {
    fill_rect(f, 0, 0, f.width, f.height, 0, 0, 0);
    return;
  }
  const int background = st.restrict_themes ? 0 : s.cosmetics.background;
  const BgPlacement p = bg_placement(s, cam);
  const int isx = static_cast<int>(std::lround(p.sx)), isy = static_cast<int>(std::lround(p.sy));
  const SpriteAtlas& atlas = SpriteAtlas::get();
  if (isx == SpriteAtlas::kObsBackgroundPx && isy == SpriteAtlas::kObsBackgroundPx) {
    // Observation path: the picture is stored at exactly this size; copy rows with wrap.
    const BackgroundImage& img = atlas.background(background, false);
    const int n = img.size();
    const int ox = static_cast<int>(std::floor(p.left + 0.5));
    const int oy = static_cast<int>(std::floor(p.top + 0.5));
    img.paint(-ox, -oy, f.width, f.height);
    for (int y = 0; y < f.height; ++y) {
      const uint8_t* src = img.row(floor_mod(y - oy, n));
      uint8_t* dst = f.row(y);
      int x = 0, sxp = floor_mod(-ox, n);
      while (x < f.width) {
        const int run = std::min(f.width - x, n - sxp);
        std::memcpy(dst + 3 * x, src + 3 * sxp, size_t(run) * 3);
        x += run;
        sxp = 0;
      }
    }
    return;
  }
  // Any other size: bilinear sampling of the nearest stored picture (viewing frames).
  const bool large = p.sx > SpriteAtlas::kObsBackgroundPx || p.sy > SpriteAtlas::kObsBackgroundPx;
  const BackgroundImage& img = atlas.background(background, large);
  const int n = img.size();
  struct Tap {
    int i0, i1, w;  // source indices and the weight of i1 in 1/256
  };
  thread_local std::vector<Tap> cols, rows;  // reused: no allocation once warm
  auto taps = [n](std::vector<Tap>& out, int count, double origin, double screen) {
    out.resize(count);
    const double scale = n / screen;
    for (int i = 0; i < count; ++i) {
      const double src = (i + 0.5 - origin) * scale - 0.5;
      const double fl = std::floor(src);
      const int i0 = floor_mod(static_cast<int>(fl), n);
      out[i] = {i0, (i0 + 1) % n, static_cast<int>((src - fl) * 256)};
    }
  };
  taps(cols, f.width, p.left, p.sx);
  taps(rows, f.height, p.top, p.sy);
  if (cols.empty() || rows.empty()) return;
  // The taps read, with wrap, the source pixels from the first tap's i0 on: one more than the
  // frame spans in source pixels (the whole picture when the frame shows more than one copy).
  const auto extent = [n](int count, double screen) {
    return static_cast<int>(std::min<double>(n, std::ceil(count * (n / screen)) + 2));
  };
  img.paint(cols.front().i0, rows.front().i0, extent(f.width, p.sx), extent(f.height, p.sy));
  // Separable bilinear: each needed source row is interpolated horizontally once (8 fraction
  // bits, kept in 16-bit lanes), and every output row blends two of those rows, which the
  // compiler vectorises. Enlarged pictures reuse each source row for several output rows.
  thread_local std::vector<uint16_t> upper, lower;
  upper.resize(size_t(f.width) * 3);
  lower.resize(size_t(f.width) * 3);
  int upper_src = -1, lower_src = -1;
  auto horizontal = [&](int src_row, std::vector<uint16_t>& out) {
    const uint8_t* r = img.row(src_row);
    for (int x = 0; x < f.width; ++x) {
      const Tap tx = cols[x];
      for (int c = 0; c < 3; ++c) {
        out[3 * x + c] =
            static_cast<uint16_t>(r[tx.i0 * 3 + c] * (256 - tx.w) + r[tx.i1 * 3 + c] * tx.w);
      }
    }
  };
  for (int y = 0; y < f.height; ++y) {
    const Tap ty = rows[y];
    if (ty.i0 != upper_src) {
      if (ty.i0 == lower_src) {
        std::swap(upper, lower);
        std::swap(upper_src, lower_src);
      } else {
        horizontal(ty.i0, upper);
        upper_src = ty.i0;
      }
    }
    if (ty.i1 != lower_src) {
      horizontal(ty.i1, lower);
      lower_src = ty.i1;
    }
    uint8_t* d = f.row(y);
    const uint16_t* a = upper.data();
    const uint16_t* b = lower.data();
    const uint32_t wb = static_cast<uint32_t>(ty.w), wa = 256 - wb;
    for (int i = 0; i < 3 * f.width; ++i) {
      d[i] = static_cast<uint8_t>((a[i] * wa + b[i] * wb + (1u << 15)) >> 16);
    }
  }
}

// Visible tile range along one axis, cut to the grid. The §7.3 window (int(1 + 64/zoom) tiles
// around the agent) always contains it, and tiles outside the frame change no pixel.
struct TileRange {
  int lo, hi;  // inclusive
};
// `before` / `after`: pixels from the frame's low / high edge to the agent's centre line.
TileRange visible_range(double a, double k, int before, int after) {
  const int lo = static_cast<int>(std::floor(a + 0.5 - before / k)) - 1;
  const int hi = static_cast<int>(std::floor(a + 0.5 + after / k)) + 1;
  return {std::max(lo, 0), std::min(hi, kGridSize - 1)};
}

// Per-frame lookup of sprite sets by pixel size: at integer k every tile has one size; at a
// fractional k (7.5) tiles alternate between two widths and two heights.
class SetCache {
 public:
  explicit SetCache(bool agent) : agent_(agent) {}
  const SpriteSet& get(int w, int h) {
    for (int i = 0; i < n_; ++i) {
      if (sets_[i]->w == w && sets_[i]->h == h) return *sets_[i];
    }
    const SpriteSet& s = agent_ ? SpriteAtlas::get().agents(w, h) : SpriteAtlas::get().cells(w, h);
    if (n_ < static_cast<int>(sets_.size())) sets_[n_++] = &s;
    return s;
  }

 private:
  bool agent_;
  std::array<const SpriteSet*, 4> sets_{};
  int n_ = 0;
};

void draw_tiles(const GameState& s, const Camera& cam, FrameView f, SetCache& cells,
                const SceneStyle& st) {
  const TileRange xr = visible_range(cam.ax, cam.kx, cam.cx, cam.width - cam.cx);
  const TileRange yr = visible_range(cam.ay, cam.ky, cam.cy, cam.height - cam.cy);
  if (xr.lo > xr.hi || yr.lo > yr.hi) return;
  std::array<int, kGridSize + 1> col{}, row{};
  for (int x = xr.lo; x <= xr.hi + 1; ++x) col[x] = cam.px(x);
  for (int y = yr.lo; y <= yr.hi + 1; ++y) row[y] = cam.py(y);
  const SpriteAtlas& atlas = SpriteAtlas::get();
  const int theme = st.restrict_themes ? 0 : s.cosmetics.ground_theme % kNumGroundThemes;
  const int phase = floor_mod(s.clock, kLavaPhases);  // §7.7: shift frac(0.1 T) of a tile
  const auto& cells_ = s.grid.cells();
  // At an integer k every tile has the same size: resolve the sprite set once.
  bool uniform = true;
  for (int x = xr.lo; x <= xr.hi; ++x)
    uniform = uniform && col[x + 1] - col[x] == col[xr.lo + 1] - col[xr.lo];
  for (int y = yr.lo; y <= yr.hi; ++y)
    uniform = uniform && row[y] - row[y + 1] == row[yr.lo] - row[yr.lo + 1];
  const SpriteSet* fixed =
      uniform ? &cells.get(col[xr.lo + 1] - col[xr.lo], row[yr.lo] - row[yr.lo + 1]) : nullptr;
  // §7.3: bottom row first, left to right.
  for (int y = yr.lo; y <= yr.hi; ++y) {
    const int top = row[y + 1], h = row[y] - row[y + 1];
    const bool rows_inside = top >= 0 && top + h <= f.height;
    const Tile* line = &cells_[size_t(y) * kGridSize];
    for (int x = xr.lo; x <= xr.hi; ++x) {
      const int idx = atlas.tile_sprite(static_cast<uint8_t>(line[x]), theme, phase);
      if (idx < 0) continue;
      const int w = col[x + 1] - col[x];
      if (st.use_monochrome_assets) {
        const bool themed = is_solid(line[x]);
        fill_mono(f, col[x], top, col[x] + w, top + h,
                  mono_colour(static_cast<uint8_t>(line[x]) % 64, themed ? theme : 0));
        continue;
      }
      const Sprite& sp = fixed ? (*fixed)[idx] : cells.get(w, h)[idx];
      if (sp.opaque && w == kObsTile && rows_inside && col[x] >= 0 && col[x] + w <= f.width) {
        // The common case at 64 x 64: an opaque 5 x 5 tile fully inside the frame.
        const uint8_t* src = sp.rgb.data();
        for (int r = 0; r < h; ++r, src += 3 * kObsTile)
          std::memcpy(f.pixel(col[x], top + r), src, 3 * kObsTile);
        continue;
      }
      blit(f, sp, col[x], top);
    }
  }
}

AgentPose agent_pose(const GameState& s) {
  const Agent& a = s.agent;
  const bool frame_a = (s.age / kWalkFrameTicks) % 2 == 0;
  if (a.climbing) return frame_a ? AgentPose::ClimbA : AgentPose::ClimbB;
  if (a.vy != 0) return AgentPose::Jump;
  if (a.spring != 0) return AgentPose::Crouch;
  if (a.vx == 0) return AgentPose::Stand;
  return frame_a ? AgentPose::WalkA : AgentPose::WalkB;
}

void draw_agent(const GameState& s, const Camera& cam, FrameView f, const SceneStyle& st) {
  const Agent& a = s.agent;
  // §7.4: a 1 x 2 tile box with its bottom-left corner at the agent's position.
  const int x0 = cam.px(a.x), x1 = cam.px(a.x + 1.0);
  const int y0 = cam.py(a.y + 2.0), y1 = cam.py(a.y);
  const int look = st.restrict_themes ? 0 : s.cosmetics.agent_look % kNumAgentLooks;
  if (st.use_monochrome_assets) return fill_mono(f, x0, y0, x1, y1, mono_colour(kMonoAgent, look));
  const SpriteSet& set = SetCache(true).get(x1 - x0, y1 - y0);
  blit(f, set[agent_index(look, agent_pose(s), !a.facing_right)], x0, y0);
}

void draw_monsters(const GameState& s, const Camera& cam, FrameView f, SetCache& cells,
                   const SceneStyle& st) {
  for (int i = 0; i < s.num_monsters; ++i) {
    const Monster& m = s.monsters[i];
    const int x0 = cam.px(m.x), x1 = cam.px(m.x + 1.0);
    const int y0 = cam.py(m.y + 1.0), y1 = cam.py(m.y);
    // Off-frame monsters are skipped, with a margin for the trail behind them (§7.5: the
    // oldest puff drawn is 12 ticks old, at most 1.8 tiles at 0.15 tiles per tick).
    const double mx = kTrailMargin * cam.kx, my = kTrailMargin * cam.ky;
    if (x1 <= -mx || x0 >= f.width + mx || y1 <= -my || y0 >= f.height + my) continue;
    const int look = st.restrict_themes ? 0 : m.look % kNumWalkerLooks;
    if (st.use_monochrome_assets) {
      const int type = m.kind == MonsterKind::Saw      ? kMonoSaw
                       : m.kind == MonsterKind::Walker ? kMonoWalker
                                                       : kMonoFlyer;
      fill_mono(f, x0, y0, x1, y1, mono_colour(type, m.kind == MonsterKind::Walker ? look : 0));
      continue;
    }
    const SpriteSet& set = cells.get(x1 - x0, y1 - y0);
    const bool mirror = m.vx > 0;  // §7.5: the art faces left
    if (m.kind == MonsterKind::Saw) {
      blit(f, set[CellIndex::saw(s.clock & 1, mirror)], x0, y0);
      continue;
    }
    // §7.5 trail: puffs for t = 2, 4, ..., 12, centred at (x + 0.5, y + 0.28 + 0.4 f).
    for (int p = 0; p < kTrailPuffs; ++p) {
      const int t = 2 + 2 * p;
      const double fr = 1.0 - t / static_cast<double>(kTrailLength);
      const Sprite& puff = set[CellIndex::puff(p)];
      const double pcx = cam.fx(m.trail_x[t] + 0.5), pcy = cam.fy(m.trail_y[t] + 0.28 + 0.4 * fr);
      blit(f, puff, static_cast<int>(std::floor(pcx - puff.w / 2.0 + 0.5)),
           static_cast<int>(std::floor(pcy - puff.h / 2.0 + 0.5)));
    }
    if (m.kind == MonsterKind::Walker) {
      const int frame = (s.clock / kWalkFrameTicks) & 1;
      blit(f, set[CellIndex::walker(look, frame, mirror)], x0, y0);
    } else {
      blit(f, set[CellIndex::flyer(s.clock & 1, mirror)], x0, y0);
    }
  }
}

// Frames and zooms this renderer can draw; anything else (a bad stride, a NaN zoom from a
// corrupted state) draws nothing rather than dividing by zero or writing out of bounds.
bool usable(const GameState& s, FrameView f) {
  constexpr float kMaxZoom = 1000.0f, kMaxCoord = 1e6f;
  const Agent& a = s.agent;
  return s.zoom > 0 && s.zoom <= kMaxZoom && std::abs(a.x) < kMaxCoord &&
         std::abs(a.y) < kMaxCoord && f.data != nullptr && f.width > 0 && f.height > 0 &&
         f.width <= kMaxFrameDim && f.height <= kMaxFrameDim && f.stride >= 3 * f.width;
}

}  // namespace

void draw_platformer_scene(const GameState& s, FrameView f, const SceneStyle& style) {
  if (!usable(s, f)) return;
  const Camera cam = scene_camera(s, f, style);
  draw_background(s, cam, f, style);
  SetCache cells(false);
  draw_tiles(s, cam, f, cells, style);
  draw_agent(s, cam, f, style);
  draw_monsters(s, cam, f, cells, style);
}

void draw_maze_scene(const GameState& s, FrameView f, const SceneStyle& style) {
  if (!usable(s, f)) return;
  const Camera cam = scene_camera(s, f, style);
  // The maze is flat colours already: only the background and the camera have a style.
  const uint8_t bg = style.use_backgrounds ? kMazeBg : 0;
  fill_rect(f, 0, 0, f.width, f.height, bg, bg, bg);
  const TileRange xr = visible_range(cam.ax, cam.kx, cam.cx, cam.width - cam.cx);
  const TileRange yr = visible_range(cam.ay, cam.ky, cam.cy, cam.height - cam.cy);
  for (int y = yr.lo; y <= yr.hi; ++y) {
    const int top = cam.py(y + 1), bottom = cam.py(y);
    for (int x = xr.lo; x <= xr.hi; ++x) {
      const Tile t = s.grid.get(x, y);
      if (is_solid(t)) {
        fill_rect(f, cam.px(x), top, cam.px(x + 1), bottom, kMazeWall, kMazeWall, kMazeWall);
      } else if (t == Tile::Coin) {
        fill_rect(f, cam.px(x), top, cam.px(x + 1), bottom, kMazeCoin[0], kMazeCoin[1],
                  kMazeCoin[2]);
      }
    }
  }
  fill_rect(f, cam.px(s.agent.x), cam.py(s.agent.y + 1.0), cam.px(s.agent.x + 1.0),
            cam.py(s.agent.y), kMazeAgent[0], kMazeAgent[1], kMazeAgent[2]);
}

}  // namespace coinrun
