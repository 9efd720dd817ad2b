// Procedural backgrounds. Each picture is a stack of layers evaluated per pixel: a sky or
// space gradient, then sun/moon, clouds or nebulae, then silhouettes (hills, dunes, mountains,
// buildings, rocks) from far to near, with decorations on the nearest one. Far layers are
// paler so that the 5-pixel foreground tiles always stand out against them.
#include "backgrounds.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "art_noise.h"
#include "canvas.h"

namespace coinrun {
namespace {

constexpr float kTau = 2 * std::numbers::pi_v<float>;

enum class Ridge : uint8_t { Hills, Dunes, Mountains, Mesas, Buildings, Waves };
enum class Deco : uint8_t { None, Cacti, Trees, Mushrooms, Pines, AutumnTrees, Islands };

struct Layer {
  Ridge ridge = Ridge::Hills;
  float base = 0.7f, amp = 0.1f;  // ridge line height (v, 0 = top) and its swing
  int freq = 2;                   // ridge repeats per picture width (integer: periodic)
  Rgba col;
  bool snow_caps = false;
};

struct Scene {
  Rgba sky_top, sky_bottom;
  int clouds = 0;
  Rgba cloud = rgb8(255, 255, 255);
  float sun_r = 0;  // 0: none
  float sun_x = 0.7f, sun_y = 0.25f;
  Rgba sun = rgb8(255, 240, 160);
  int stars = 0;  // star density per 1000 cells
  bool rainbow = false;
  bool underwater = false;
  int n_layers = 0;
  std::array<Layer, 4> layers{};
  Deco deco = Deco::None;
  Rgba deco_col;
  uint32_t seed = 1;
};

float smooth_edge(float d, float px) { return std::clamp(0.5f - d / px, 0.0f, 1.0f); }
float wrap_du(float du) { return du - std::round(du); }

float ridge_height(const Layer& l, float u, uint32_t seed) {
  const float f = static_cast<float>(l.freq);
  const float ph = art_hash01(seed, 3, 9) * kTau;
  switch (l.ridge) {
    case Ridge::Hills:
      return l.base - l.amp * (0.6f * std::sin(kTau * f * u + ph) +
                               0.4f * std::sin(kTau * 2 * f * u + 2 * ph));
    case Ridge::Dunes:
      return l.base - l.amp * std::pow(std::abs(std::sin(0.5f * kTau * f * u + ph)), 0.7f);
    case Ridge::Mountains: {
      const float t = f * u + ph;
      const float tri = 2 * std::abs(t - std::floor(t) - 0.5f);
      const float n = fbm(u * 8, 0.5f, 8, 4, seed, 4);
      return l.base - l.amp * (1 - tri) - 0.06f * (n - 0.5f) * l.amp * 8;
    }
    case Ridge::Mesas: {
      const float n = periodic_noise(u * f * 2, 0.3f, l.freq * 2, 1, seed);
      return l.base - (n > 0.5f ? l.amp : l.amp * 0.2f);
    }
    case Ridge::Buildings: {
      const int cells = l.freq * 6;
      const int i = static_cast<int>(u * cells) % cells;
      return l.base - l.amp * (0.3f + 0.7f * art_hash01(i, 1, seed));
    }
    case Ridge::Waves:
      return l.base + l.amp * std::sin(kTau * f * u + ph);
  }
  return l.base;
}

Rgba sky(const Scene& s, float u, float v, float px) {
  Rgba c = mix(s.sky_top, s.sky_bottom, std::clamp(v * 1.1f, 0.0f, 1.0f));
  if (s.stars > 0) {
    constexpr int kCells = 96;
    const int cx = static_cast<int>(u * kCells), cy = static_cast<int>(v * kCells);
    for (int dy = -1; dy <= 1; ++dy) {
      for (int dx = -1; dx <= 1; ++dx) {
        const int gx = ((cx + dx) % kCells + kCells) % kCells, gy = cy + dy;
        if (art_hash01(gx, gy, s.seed + 7) * 1000 >= s.stars) continue;
        const float sx = (gx + art_hash01(gx, gy, s.seed + 8)) / kCells;
        const float sy = (gy + art_hash01(gx, gy, s.seed + 9)) / kCells;
        const float r = 0.0008f + 0.0016f * art_hash01(gx, gy, s.seed + 10);
        const float d = std::hypot(wrap_du(u - sx), v - sy) - r;
        const float glow = std::max(0.0f, 1.0f - std::max(d, 0.0f) / (r * 2.5f));  // fits the cell
        const float a = smooth_edge(d, px) + 0.35f * glow * glow;
        c = mix(c, rgb8(255, 255, 240), std::min(1.0f, a) * 0.9f);
      }
    }
  }
  if (s.rainbow) {
    const float r = std::hypot(wrap_du(u - 0.5f), v - 0.95f);
    const float t = (r - 0.42f) / 0.09f;
    if (t > 0 && t < 1) {
      const Rgba bands[6] = {rgb8(255, 80, 80),   rgb8(255, 160, 60), rgb8(255, 230, 80),
                             rgb8(110, 210, 100), rgb8(90, 150, 250), rgb8(160, 100, 220)};
      c = mix(c, bands[std::min(5, static_cast<int>(t * 6))], 0.45f);
    }
  }
  if (s.sun_r > 0) {
    const float d = std::hypot(wrap_du(u - s.sun_x), v - s.sun_y);
    c = mix(c, s.sun, 0.35f * std::exp(-std::max(0.0f, d - s.sun_r) / (s.sun_r * 1.5f)));
    c = mix(c, s.sun, smooth_edge(d - s.sun_r, px));
  }
  for (int i = 0; i < s.clouds; ++i) {
    const float cx = (i + art_hash01(i, 0, s.seed)) / s.clouds;
    const float cy = 0.1f + 0.3f * art_hash01(i, 1, s.seed);
    const float w = 0.06f + 0.05f * art_hash01(i, 2, s.seed);
    const float du = wrap_du(u - cx), dv = v - cy;
    if (std::abs(du) > 2.5f * w || std::abs(dv) > 1.5f * w) continue;
    float d = std::min({std::hypot(du, dv * 1.4f) - w,
                        std::hypot(du + w, (dv - w * 0.2f) * 1.4f) - w * 0.7f,
                        std::hypot(du - w * 1.1f, (dv - w * 0.25f) * 1.4f) - w * 0.65f});
    d = std::max(d, dv - w * 0.55f);  // flat bottom
    const float a = smooth_edge(d, px);
    if (a > 0)
      c = mix(c, mix(s.cloud, shade(s.cloud, 0.88f), std::clamp((dv + w) / (2 * w), 0.0f, 1.0f)),
              a * 0.95f);
  }
  return c;
}

// Decorations standing on the nearest ridge: signed distance and colour.
constexpr int kDecoCount = 5;

float deco_sdf(const Scene& s, const float* deco_ground, float u, float v, Rgba& col) {
  if (s.deco == Deco::None) return 1e9f;
  constexpr int kCount = kDecoCount;
  float best = 1e9f;
  for (int i = 0; i < kCount; ++i) {
    const float x = (i + 0.2f + 0.6f * art_hash01(i, 4, s.seed)) / kCount;
    const float du = wrap_du(u - x);
    if (std::abs(du) > 0.12f) continue;
    const float ground = deco_ground[i];
    const float h = 0.08f + 0.06f * art_hash01(i, 5, s.seed);
    float d = 1e9f;
    Rgba c = s.deco_col;
    switch (s.deco) {
      case Deco::Cacti:
        d = std::min(
            {sd_capsule(du, v, 0, ground, 0, ground - h, 0.012f),
             sd_capsule(du, v, 0, ground - h * 0.5f, -0.025f, ground - h * 0.5f, 0.009f),
             sd_capsule(du, v, -0.025f, ground - h * 0.5f, -0.025f, ground - h * 0.75f, 0.009f),
             sd_capsule(du, v, 0, ground - h * 0.35f, 0.022f, ground - h * 0.35f, 0.009f),
             sd_capsule(du, v, 0.022f, ground - h * 0.35f, 0.022f, ground - h * 0.6f, 0.009f)});
        break;
      case Deco::Trees:
      case Deco::AutumnTrees: {
        const float trunk = sd_box(du, v, 0, ground - h * 0.3f, 0.006f, h * 0.3f);
        const float crown = std::min(sd_circle(du, v, 0, ground - h * 0.75f, h * 0.38f),
                                     sd_circle(du, v, 0.02f, ground - h * 0.6f, h * 0.3f));
        d = std::min(trunk, crown);
        c = crown < trunk ? s.deco_col : rgb8(110, 76, 50);
        break;
      }
      case Deco::Pines: {
        d = std::min(sd_triangle(du, v, -0.035f, ground - 0.01f, 0.035f, ground - 0.01f, 0,
                                 ground - h * 1.3f),
                     sd_box(du, v, 0, ground - 0.005f, 0.005f, 0.012f));
        break;
      }
      case Deco::Mushrooms: {
        const float stem = sd_box(du, v, 0, ground - h * 0.5f, 0.012f, h * 0.5f, 0.005f);
        const float cap =
            std::max(sd_ellipse(du, v, 0, ground - h, 0.05f, 0.035f), v - (ground - h));
        d = std::min(stem, cap);
        c = cap < stem ? s.deco_col : rgb8(246, 236, 210);
        if (cap < stem && sd_circle(du, v, 0.015f, ground - h - 0.018f, 0.009f) < 0)
          c = rgb8(255, 255, 255);
        break;
      }
      case Deco::Islands: {
        const float y = 0.3f + 0.35f * art_hash01(i, 6, s.seed);
        const float top = sd_box(du, v, 0, y, 0.085f, 0.014f, 0.01f);
        const float rock =
            sd_triangle(du, v, -0.08f, y + 0.006f, 0.08f, y + 0.006f, 0.015f, y + 0.12f);
        d = std::min(top, rock);
        c = top < rock ? rgb8(120, 210, 90) : rgb8(150, 110, 80);
        break;
      }
      case Deco::None:
        break;
    }
    if (d < best) best = d, col = c;
  }
  return best;
}

// `heights`: each layer's ridge height at this column; `deco_ground`: where decorations stand.
Rgba scene_pixel(const Scene& s, float u, float v, float px, const float* heights,
                 const float* deco_ground) {
  Rgba c = sky(s, u, v, px);
  for (int i = 0; i < s.n_layers; ++i) {
    const Layer& l = s.layers[i];
    const float h = heights[i];
    float a = smooth_edge(h - v, px);
    if (a > 0) {
      Rgba lc = shade(l.col, 1.0f - 0.25f * std::clamp(v - h, 0.0f, 1.0f));
      if (l.snow_caps && v - h < 0.04f) lc = mix(lc, rgb8(250, 250, 255), 0.85f);
      if (l.ridge == Ridge::Buildings) {  // lit windows
        const float wx = u * 400, wy = v * 260;
        const bool lit = art_hash01(static_cast<int>(wx), static_cast<int>(wy), s.seed) > 0.9f;
        if (lit && wx - std::floor(wx) < 0.5f && wy - std::floor(wy) < 0.5f && v > h + 0.01f)
          lc = rgb8(255, 220, 120);
      }
      c = mix(c, lc, a);
    }
    if (i == s.n_layers - 1) {
      Rgba dc;
      const float d = deco_sdf(s, deco_ground, u, v, dc);
      const float da = smooth_edge(d, px);
      if (da > 0) c = mix(c, dc, da);
    }
  }
  if (s.underwater) {  // light shafts and bubbles
    const float shaft = std::max(0.0f, std::sin(kTau * (u * 3 + v * 0.6f)) - 0.6f) * (1 - v);
    c = mix(c, rgb8(200, 240, 255), shaft * 0.5f);
    for (int i = 0; i < 14; ++i) {
      const float bx = art_hash01(i, 11, s.seed), by = art_hash01(i, 12, s.seed);
      const float r = 0.006f + 0.01f * art_hash01(i, 13, s.seed);
      const float d = std::abs(std::hypot(wrap_du(u - bx), v - by) - r) - px * 0.8f;
      c = mix(c, rgb8(220, 245, 255), smooth_edge(d, px) * 0.8f);
    }
  }
  return c;
}

// Space: nebula clouds in one or two hues, stars, and optionally a planet.
struct Space {
  Rgba base, neb_a, neb_b;
  float neb_amount = 0.6f;
  int stars = 40;
  float planet_r = 0;
  float planet_x = 0.3f, planet_y = 0.4f;
  Rgba planet = rgb8(200, 120, 80);
  bool rings = false;
  uint32_t seed = 1;
};

Rgba space_pixel(const Space& s, float u, float v, float px) {
  const float n1 = fbm(u * 4, v * 4, 4, 4, s.seed, 5);
  const float n2 = fbm(u * 3 + 7, v * 3, 3, 3, s.seed + 99, 4);
  Rgba c = s.base;
  c = mix(c, s.neb_a, std::clamp((n1 - 0.45f) * 3.0f, 0.0f, 1.0f) * s.neb_amount);
  c = mix(c, s.neb_b, std::clamp((n2 - 0.5f) * 3.0f, 0.0f, 1.0f) * s.neb_amount * 0.8f);
  Scene stars;
  stars.sky_top = stars.sky_bottom = c;
  stars.stars = s.stars;
  stars.seed = s.seed;
  c = sky(stars, u, v, px);
  if (s.planet_r > 0) {
    const float dx = wrap_du(u - s.planet_x), dy = v - s.planet_y;
    const float d = std::hypot(dx, dy) - s.planet_r;
    if (s.rings) {
      const float rr = std::hypot(dx, dy * 3.2f);
      const float ring = std::abs(rr - s.planet_r * 1.6f) - s.planet_r * 0.18f;
      const bool behind = dy < 0 && d < 0;
      if (!behind) c = mix(c, rgb8(230, 210, 170), smooth_edge(ring, px) * 0.7f);
    }
    const float light = std::clamp(0.5f - (dx + dy) / (s.planet_r * 2.2f), 0.1f, 1.0f);
    const float bands =
        0.85f + 0.15f * std::sin(dy / s.planet_r * 9 + fbm(u * 6, v * 6, 6, 6, s.seed + 5, 3) * 4);
    c = mix(c, shade(s.planet, light * bands * 1.2f), smooth_edge(d, px));
    if (s.rings) {
      const float rr = std::hypot(dx, dy * 3.2f);
      const float ring = std::abs(rr - s.planet_r * 1.6f) - s.planet_r * 0.18f;
      if (dy > 0 || d >= 0)
        c = mix(c, rgb8(230, 210, 170), smooth_edge(ring, px) * (d < 0 && dy > 0 ? 0.7f : 0.0f));
    }
  }
  return c;
}

Rgba cave_pixel(float u, float v, float px) {
  const float n = fbm(u * 6, v * 6, 6, 6, 404, 5);
  Rgba c = mix(rgb8(70, 54, 48), rgb8(36, 28, 30), std::clamp(n * 1.4f - 0.2f, 0.0f, 1.0f));
  // Glow from an opening in the middle distance.
  c = mix(c, rgb8(120, 150, 140),
          0.45f * std::exp(-std::hypot(wrap_du(u - 0.5f), (v - 0.5f) * 1.5f) * 5));
  for (int i = 0; i < 16; ++i) {  // stalactites (top) and stalagmites (bottom)
    const float x = (i + art_hash01(i, 1, 404)) / 16;
    const float len = 0.12f + 0.2f * art_hash01(i, 2, 404);
    const float w = 0.018f + 0.015f * art_hash01(i, 3, 404);
    const float du = wrap_du(u - x);
    const float top = sd_triangle(du, v, -w, -0.01f, w, -0.01f, 0, len);
    const float bottom =
        sd_triangle(du + 0.03f, v, -w * 1.3f, 1.01f, w * 1.3f, 1.01f, 0, 1 - len * 0.8f);
    c = mix(c, rgb8(52, 40, 38), smooth_edge(std::min(top, bottom), px));
  }
  for (int i = 0; i < 7; ++i) {  // glowing crystals
    const float x = (i + art_hash01(i, 5, 404)) / 7, y = 0.55f + 0.4f * art_hash01(i, 6, 404);
    const float du = wrap_du(u - x);
    const float d = sd_triangle(du, v, -0.012f, y, 0.012f, y, 0.003f, y - 0.05f);
    c = mix(c, rgb8(110, 230, 220), 0.25f * std::exp(-std::hypot(du, v - y) * 40));
    c = mix(c, rgb8(150, 250, 240), smooth_edge(d, px));
  }
  return c;
}

Scene landscape(Rgba top, Rgba bottom, uint32_t seed) {
  Scene s;
  s.sky_top = top, s.sky_bottom = bottom, s.seed = seed;
  return s;
}
void add(Scene& s, Ridge r, float base, float amp, int freq, Rgba col, bool snow = false) {
  s.layers[s.n_layers++] = Layer{r, base, amp, freq, col, snow};
}

Scene make_scene(int index) {
  const Rgba blue_top = rgb8(96, 168, 236), blue_bottom = rgb8(200, 232, 250);
  const Rgba warm_top = rgb8(246, 150, 96), warm_bottom = rgb8(255, 222, 160);
  Scene s;
  switch (index) {
    case 0:
    case 4:  // desert
      s = index == 0 ? landscape(blue_top, blue_bottom, 100)
                     : landscape(warm_top, warm_bottom, 104);
      s.clouds = 3, s.sun_r = 0.05f;
      add(s, Ridge::Mesas, 0.62f, 0.12f, 2, index == 0 ? rgb8(230, 196, 150) : rgb8(222, 160, 120));
      add(s, Ridge::Dunes, 0.8f, 0.08f, 3, index == 0 ? rgb8(238, 210, 140) : rgb8(236, 180, 110));
      s.deco = Deco::Cacti, s.deco_col = rgb8(96, 160, 80);
      break;
    case 1:
    case 5:  // grass
      s = index == 1 ? landscape(blue_top, blue_bottom, 101)
                     : landscape(warm_top, warm_bottom, 105);
      s.clouds = 5;
      add(s, Ridge::Hills, 0.6f, 0.08f, 2, index == 1 ? rgb8(160, 214, 140) : rgb8(196, 200, 120));
      add(s, Ridge::Hills, 0.78f, 0.07f, 3, index == 1 ? rgb8(110, 190, 96) : rgb8(164, 176, 84));
      break;
    case 2:
    case 6:  // land: hills with trees
      s = index == 2 ? landscape(blue_top, blue_bottom, 102)
                     : landscape(warm_top, warm_bottom, 106);
      s.clouds = 4, s.sun_r = index == 6 ? 0.07f : 0.0f, s.sun_y = 0.5f;
      add(s, Ridge::Mountains, 0.55f, 0.2f, 2,
          index == 2 ? rgb8(170, 190, 210) : rgb8(200, 150, 140));
      add(s, Ridge::Hills, 0.76f, 0.06f, 2, index == 2 ? rgb8(120, 196, 104) : rgb8(180, 150, 90));
      s.deco = Deco::Trees, s.deco_col = index == 2 ? rgb8(80, 160, 70) : rgb8(150, 130, 60);
      break;
    case 3:  // mushrooms
      s = landscape(rgb8(120, 180, 240), rgb8(214, 236, 250), 103);
      s.clouds = 4;
      add(s, Ridge::Hills, 0.7f, 0.06f, 2, rgb8(170, 214, 150));
      add(s, Ridge::Hills, 0.82f, 0.04f, 4, rgb8(128, 196, 112));
      s.deco = Deco::Mushrooms, s.deco_col = rgb8(226, 84, 84);
      break;
    case 7:  // seabed
      s = landscape(rgb8(40, 130, 190), rgb8(16, 60, 110), 107);
      s.underwater = true;
      add(s, Ridge::Hills, 0.7f, 0.08f, 3, rgb8(30, 90, 120));
      add(s, Ridge::Dunes, 0.86f, 0.05f, 4, rgb8(196, 180, 130));
      s.deco = Deco::Pines, s.deco_col = rgb8(40, 150, 100);
      break;
    case 8:  // stadium at night
      s = landscape(rgb8(16, 20, 52), rgb8(60, 70, 120), 108);
      s.stars = 25;
      add(s, Ridge::Buildings, 0.55f, 0.08f, 1, rgb8(50, 56, 80));
      add(s, Ridge::Mesas, 0.72f, 0.08f, 1, rgb8(80, 70, 100));
      add(s, Ridge::Waves, 0.86f, 0.0f, 1, rgb8(70, 150, 70));
      s.sun_r = 0.03f, s.sun = rgb8(255, 255, 230), s.sun_x = 0.2f, s.sun_y = 0.2f;
      break;
    case 9:  // pine forest
      s = landscape(rgb8(150, 200, 220), rgb8(226, 240, 230), 109);
      s.clouds = 3;
      add(s, Ridge::Mountains, 0.5f, 0.25f, 3, rgb8(150, 176, 190), true);
      add(s, Ridge::Hills, 0.75f, 0.05f, 2, rgb8(70, 130, 90));
      s.deco = Deco::Pines, s.deco_col = rgb8(40, 100, 64);
      break;
    case 10:  // snowy mountains
      s = landscape(rgb8(120, 160, 220), rgb8(230, 236, 250), 110);
      s.sun_r = 0.04f, s.sun_x = 0.3f;
      add(s, Ridge::Mountains, 0.45f, 0.3f, 2, rgb8(130, 140, 170), true);
      add(s, Ridge::Mountains, 0.65f, 0.2f, 3, rgb8(100, 112, 146), true);
      add(s, Ridge::Hills, 0.85f, 0.04f, 2, rgb8(230, 236, 246));
      break;
    case 11:  // underwater cave
      s = landscape(rgb8(20, 90, 130), rgb8(8, 30, 60), 111);
      s.underwater = true;
      add(s, Ridge::Mountains, 0.6f, 0.25f, 3, rgb8(20, 60, 84));
      add(s, Ridge::Waves, 0.15f, 0.05f, 3, rgb8(14, 40, 60));
      add(s, Ridge::Dunes, 0.88f, 0.05f, 5, rgb8(50, 90, 100));
      break;
    case 12:  // city at dusk
      s = landscape(rgb8(70, 60, 130), rgb8(250, 150, 110), 112);
      s.sun_r = 0.08f, s.sun_y = 0.62f, s.sun = rgb8(255, 200, 120);
      add(s, Ridge::Buildings, 0.5f, 0.2f, 2, rgb8(90, 70, 120));
      add(s, Ridge::Buildings, 0.62f, 0.22f, 3, rgb8(50, 40, 76));
      break;
    case 13:  // autumn
      s = landscape(rgb8(130, 170, 220), rgb8(240, 220, 190), 113);
      s.clouds = 3;
      add(s, Ridge::Hills, 0.62f, 0.08f, 2, rgb8(210, 170, 110));
      add(s, Ridge::Hills, 0.8f, 0.05f, 3, rgb8(180, 120, 60));
      s.deco = Deco::AutumnTrees, s.deco_col = rgb8(230, 120, 40);
      break;
    case 14:  // night lake
      s = landscape(rgb8(10, 16, 46), rgb8(40, 60, 110), 114);
      s.stars = 60, s.sun_r = 0.05f, s.sun = rgb8(240, 240, 220), s.sun_y = 0.2f;
      add(s, Ridge::Mountains, 0.58f, 0.18f, 2, rgb8(30, 40, 70));
      add(s, Ridge::Waves, 0.72f, 0.004f, 8, rgb8(40, 60, 110));
      break;
    case 15:  // volcano
      s = landscape(rgb8(90, 30, 40), rgb8(240, 120, 60), 115);
      s.clouds = 3, s.cloud = rgb8(110, 90, 90);
      add(s, Ridge::Mountains, 0.5f, 0.3f, 1, rgb8(70, 40, 44));
      add(s, Ridge::Hills, 0.8f, 0.06f, 3, rgb8(50, 30, 34));
      break;
    case 16:  // canyon
      s = landscape(rgb8(110, 170, 230), rgb8(250, 220, 180), 116);
      s.sun_r = 0.05f;
      add(s, Ridge::Mesas, 0.5f, 0.2f, 3, rgb8(210, 130, 90));
      add(s, Ridge::Mesas, 0.72f, 0.15f, 2, rgb8(180, 96, 64));
      s.deco = Deco::Cacti, s.deco_col = rgb8(90, 140, 70);
      break;
    case 30:  // bright sky with big clouds
      s = landscape(rgb8(70, 170, 255), rgb8(170, 230, 255), 130);
      s.clouds = 7, s.sun_r = 0.06f, s.sun = rgb8(255, 236, 110);
      add(s, Ridge::Hills, 0.86f, 0.04f, 2, rgb8(120, 220, 110));
      break;
    case 31:  // rainbow meadow
      s = landscape(rgb8(110, 190, 255), rgb8(220, 244, 255), 131);
      s.clouds = 3, s.rainbow = true;
      add(s, Ridge::Hills, 0.74f, 0.07f, 2, rgb8(150, 226, 120));
      add(s, Ridge::Hills, 0.86f, 0.04f, 3, rgb8(100, 200, 90));
      s.deco = Deco::Trees, s.deco_col = rgb8(70, 170, 80);
      break;
    case 32:  // floating islands
      s = landscape(rgb8(140, 140, 250), rgb8(250, 200, 240), 132);
      s.clouds = 5;
      add(s, Ridge::Waves, 0.9f, 0.02f, 3, rgb8(240, 240, 255));
      s.deco = Deco::Islands;
      break;
    default:  // 33: sunny hills with mushrooms
      s = landscape(rgb8(255, 190, 80), rgb8(255, 240, 170), 133);
      s.sun_r = 0.09f, s.sun = rgb8(255, 250, 220), s.clouds = 3;
      add(s, Ridge::Hills, 0.7f, 0.08f, 2, rgb8(240, 170, 90));
      add(s, Ridge::Hills, 0.84f, 0.05f, 3, rgb8(200, 120, 70));
      s.deco = Deco::Mushrooms, s.deco_col = rgb8(140, 80, 200);
      break;
  }
  return s;
}

Space make_space(int index) {
  Space s;
  s.seed = 200 + index;
  // 18-25: starfields and nebulae, one hue pair each.
  const Rgba hues[8][2] = {
      {rgb8(120, 40, 160), rgb8(40, 80, 200)},  {rgb8(200, 60, 90), rgb8(240, 150, 60)},
      {rgb8(30, 120, 150), rgb8(60, 200, 160)}, {rgb8(60, 50, 160), rgb8(170, 90, 210)},
      {rgb8(150, 40, 40), rgb8(60, 40, 120)},   {rgb8(40, 90, 60), rgb8(140, 180, 70)},
      {rgb8(20, 30, 90), rgb8(100, 140, 220)},  {rgb8(180, 100, 40), rgb8(110, 40, 120)}};
  if (index < 26) {
    const int i = index - 18;
    s.base = rgb8(6, 6, 18);
    s.neb_a = hues[i][0], s.neb_b = hues[i][1];
    s.neb_amount = 0.45f + 0.1f * (i % 4);
    s.stars = 40 + 12 * (i % 3);
    return s;
  }
  // 26-29: planets, a ringed giant, a star cluster.
  s.base = rgb8(8, 8, 24);
  s.neb_a = hues[(index * 3) % 8][0], s.neb_b = hues[(index * 5) % 8][1];
  s.neb_amount = 0.35f;
  s.stars = 60;
  switch (index) {
    case 26:
      s.planet_r = 0.22f, s.planet = rgb8(210, 130, 80);
      break;
    case 27:
      s.planet_r = 0.16f, s.planet = rgb8(220, 200, 150), s.rings = true, s.planet_x = 0.6f;
      break;
    case 28:
      s.planet_r = 0.3f, s.planet = rgb8(90, 150, 230), s.planet_y = 0.8f;
      break;
    default:
      s.stars = 140, s.neb_amount = 0.55f;
      break;
  }
  return s;
}

}  // namespace

void paint_background(int index, int size, uint8_t* rgb) { paint_background_rect(index, size, 0, 0, size, size, rgb); }

void paint_background_rect(int index, int size, int x0, int y0, int x1, int y1, uint8_t* rgb) {
  index = std::clamp(index, 0, kNumBackgrounds - 1);
  x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, size), y1 = std::min(y1, size);
  if (x0 >= x1 || y0 >= y1) return;
  const float px = 1.0f / size;
  const bool space = index >= 18 && index <= 29;
  const Scene scene = space || index == 17 ? Scene{} : make_scene(index);
  const Space sp = space ? make_space(index) : Space{};
  // Ridge lines depend on the column only: evaluate them once per column of the rectangle.
  std::vector<std::array<float, 4>> heights(x1 - x0);
  for (int x = x0; x < x1; ++x) {
    for (int i = 0; i < scene.n_layers; ++i) {
      heights[x - x0][i] = ridge_height(scene.layers[i], (x + 0.5f) * px, scene.seed + 3 + i);
    }
  }
  std::array<float, kDecoCount> deco_ground{};
  if (scene.n_layers > 0) {
    const Layer& front = scene.layers[scene.n_layers - 1];
    for (int i = 0; i < kDecoCount; ++i) {
      const float x = (i + 0.2f + 0.6f * art_hash01(i, 4, scene.seed)) / kDecoCount;
      deco_ground[i] = ridge_height(front, x, scene.seed + 3 + scene.n_layers - 1) + 0.01f;
    }
  }
  for (int y = y0; y < y1; ++y) {
    const float v = (y + 0.5f) * px;
    for (int x = x0; x < x1; ++x) {
      const float u = (x + 0.5f) * px;
      const Rgba c = index == 17 ? cave_pixel(u, v, px)
                     : space ? space_pixel(sp, u, v, px)
                             : scene_pixel(scene, u, v, px, heights[x - x0].data(), deco_ground.data());
      uint8_t* d = rgb + (size_t(y) * size + x) * 3;
      d[0] = static_cast<uint8_t>(std::clamp(c.r, 0.0f, 1.0f) * 255 + 0.5f);
      d[1] = static_cast<uint8_t>(std::clamp(c.g, 0.0f, 1.0f) * 255 + 0.5f);
      d[2] = static_cast<uint8_t>(std::clamp(c.b, 0.0f, 1.0f) * 255 + 0.5f);
    }
  }
}

}  // namespace coinrun
