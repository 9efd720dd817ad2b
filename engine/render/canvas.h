#pragma once
// Two kinds of image:
//  * Canvas: a float RGBA (premultiplied) authoring surface. The procedural art is painted on
//    it once, at start-up, with antialiased signed-distance shapes given in tile units.
//  * Sprite: the draw-time form, premultiplied RGB8 plus 255 - alpha, pre-scaled to the exact
//    pixel size it is drawn at, so a blit is row copies (opaque) or one integer blend per byte.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "base/frame.h"

namespace coinrun {

struct Rgba {
  float r = 0, g = 0, b = 0, a = 1;
};
inline constexpr Rgba rgb8(int r, int g, int b, float a = 1.0f) {
  return Rgba{r / 255.0f, g / 255.0f, b / 255.0f, a};
}
inline Rgba mix(Rgba x, Rgba y, float t) {
  return Rgba{x.r + (y.r - x.r) * t, x.g + (y.g - x.g) * t, x.b + (y.b - x.b) * t,
              x.a + (y.a - x.a) * t};
}
inline Rgba shade(Rgba c, float f) {  // f < 1 darkens, f > 1 lightens toward white
  if (f <= 1) return Rgba{c.r * f, c.g * f, c.b * f, c.a};
  const float t = std::min(1.0f, f - 1);
  return Rgba{c.r + (1 - c.r) * t, c.g + (1 - c.g) * t, c.b + (1 - c.b) * t, c.a};
}
inline Rgba with_alpha(Rgba c, float a) { return Rgba{c.r, c.g, c.b, a}; }

// a mod m in [0, m) for any a (periodic pictures, animation phases).
inline int floor_mod(int a, int m) { return ((a % m) + m) % m; }

// --- signed distances, in tile units (negative inside) --------------------------------------
inline float sd_circle(float x, float y, float cx, float cy, float r) {
  return std::hypot(x - cx, y - cy) - r;
}
// Axis-aligned box centred at (cx, cy) with half sizes (hx, hy) and corner radius rad.
inline float sd_box(float x, float y, float cx, float cy, float hx, float hy, float rad = 0) {
  const float qx = std::abs(x - cx) - hx + rad, qy = std::abs(y - cy) - hy + rad;
  const float ox = std::max(qx, 0.0f), oy = std::max(qy, 0.0f);
  return std::hypot(ox, oy) + std::min(std::max(qx, qy), 0.0f) - rad;
}
// Ellipse (approximate distance; exact enough for antialiasing edges).
inline float sd_ellipse(float x, float y, float cx, float cy, float rx, float ry) {
  const float u = (x - cx) / rx, v = (y - cy) / ry;
  const float k = std::sqrt(u * u + v * v);
  return (k - 1) * std::min(rx, ry);
}
// Segment from (ax, ay) to (bx, by) with radius r (a capsule).
inline float sd_capsule(float x, float y, float ax, float ay, float bx, float by, float r) {
  const float px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
  const float h = std::clamp((px * dx + py * dy) / (dx * dx + dy * dy + 1e-12f), 0.0f, 1.0f);
  return std::hypot(px - dx * h, py - dy * h) - r;
}
// Triangle (any winding).
float sd_triangle(float x, float y, float ax, float ay, float bx, float by, float cx, float cy);

class Canvas {
 public:
  // `unit` pixels per tile unit; shapes are given in tile units, y pointing down.
  Canvas(int w, int h, float unit)
      : w_(w), h_(h), unit_(unit), px_(size_t(w) * h, Rgba{0, 0, 0, 0}) {}

  int width() const { return w_; }
  int height() const { return h_; }
  float unit() const { return unit_; }
  const Rgba& at(int x, int y) const { return px_[size_t(y) * w_ + x]; }
  Rgba& at(int x, int y) { return px_[size_t(y) * w_ + x]; }

  // Paints colour `shade_fn(u, v)` (straight alpha) over the area where `sdf(u, v) < 0`,
  // with one-pixel antialiased edges. `opacity` scales the whole layer.
  template <class Sdf, class ShadeFn>
  void paint(Sdf sdf, ShadeFn shade_fn, float opacity = 1.0f) {
    for (int y = 0; y < h_; ++y) {
      const float v = (y + 0.5f) / unit_;
      for (int x = 0; x < w_; ++x) {
        const float u = (x + 0.5f) / unit_;
        const float cov = std::clamp(0.5f - sdf(u, v) * unit_, 0.0f, 1.0f);
        if (cov <= 0) continue;
        over(at(x, y), shade_fn(u, v), cov * opacity);
      }
    }
  }
  template <class Sdf>
  void fill(Sdf sdf, Rgba c, float opacity = 1.0f) {
    paint(sdf, [c](float, float) { return c; }, opacity);
  }
  // Shape with a dark outline of `line` tile units drawn inside its edge.
  template <class Sdf>
  void outlined(Sdf sdf, Rgba fill_c, Rgba line_c, float line) {
    fill(sdf, line_c);
    fill([&](float u, float v) { return sdf(u, v) + line; }, fill_c);
  }
  // Restricts alpha to where `sdf < 0` (cut-outs such as rounded platform ends).
  template <class Sdf>
  void mask(Sdf sdf) {
    for (int y = 0; y < h_; ++y) {
      for (int x = 0; x < w_; ++x) {
        const float cov =
            std::clamp(0.5f - sdf((x + 0.5f) / unit_, (y + 0.5f) / unit_) * unit_, 0.0f, 1.0f);
        Rgba& p = at(x, y);
        p.r *= cov, p.g *= cov, p.b *= cov, p.a *= cov;
      }
    }
  }
  void mirror_x();
  // Circular horizontal shift by `dx` pixels (content moves left for dx > 0).
  void shift_left_wrapped(int dx);

 private:
  static void over(Rgba& d, Rgba s, float cov) {
    const float a = s.a * cov;
    d.r = s.r * a + d.r * (1 - a);
    d.g = s.g * a + d.g * (1 - a);
    d.b = s.b * a + d.b * (1 - a);
    d.a = a + d.a * (1 - a);
  }

  int w_, h_;
  float unit_;
  std::vector<Rgba> px_;  // premultiplied
};

// Draw-time image. Pixels are premultiplied RGB; `inv_alpha` = 255 - alpha.
struct Sprite {
  int w = 0, h = 0;
  bool opaque = false;
  std::vector<uint8_t> rgb;              // w * h * 3
  std::vector<uint8_t> inv_alpha;        // w * h
  std::vector<uint16_t> row_lo, row_hi;  // per row, the non-transparent column range [lo, hi)
  std::vector<uint8_t> row_opaque;       // per row: every pixel of [lo, hi) is opaque
};

// Resamples a canvas to w x h pixels (box filter when shrinking, linear when enlarging) and
// quantises it to a Sprite.
Sprite make_sprite(const Canvas& c, int w, int h);
// A white antialiased disc of `diameter` pixels with the given opacity (trail puffs, §7.5).
Sprite make_disc(float diameter, float opacity);

// Alpha blit with clipping; (x0, y0) is the sprite's top-left pixel in the frame.
void blit(FrameView f, const Sprite& s, int x0, int y0);
// Fills [x0, x1) x [y0, y1) with an opaque colour, clipped.
void fill_rect(FrameView f, int x0, int y0, int x1, int y1, uint8_t r, uint8_t g, uint8_t b);
// Blends a colour over the real-valued rectangle [x0, x1) x [y0, y1), with edge pixels weighted
// by their coverage (the antialiased edges of the original's painter).
void fill_rect_aa(FrameView f, double x0, double y0, double x1, double y1, uint8_t r, uint8_t g,
                  uint8_t b);

}  // namespace coinrun
