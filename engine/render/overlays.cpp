#include "overlays.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace coinrun {
namespace {

// Fills the pixel rectangle [x0, x1) x [y0, y1), clipped to the frame.
void fill_rect(FrameView f, double x0, double y0, double x1, double y1, uint8_t r, uint8_t g,
               uint8_t b) {
  const int ix0 = std::max(0, static_cast<int>(std::lround(x0)));
  const int iy0 = std::max(0, static_cast<int>(std::lround(y0)));
  const int ix1 = std::min(f.width, static_cast<int>(std::lround(x1)));
  const int iy1 = std::min(f.height, static_cast<int>(std::lround(y1)));
  for (int y = iy0; y < iy1; ++y) {
    uint8_t* p = f.pixel(ix0, y);
    for (int x = ix0; x < ix1; ++x, p += 3) {
      p[0] = r;
      p[1] = g;
      p[2] = b;
    }
  }
}

uint8_t grey_level(float v, float vmax) {
  const int g = static_cast<int>(255.0 * (0.5 + 0.5 * v / vmax));
  return static_cast<uint8_t>(std::clamp(g, 0, 255));
}

}  // namespace

void draw_augmentation(FrameView f, Rng& rng) {
  const int count = rng.randint(0, 6);
  for (int i = 0; i < count; ++i) {
    const double left = rng.rand01() * f.width;
    const double top = rng.rand01() * f.height;
    const double w = (0.1 + 0.25 * rng.rand01()) * f.width;
    const double h = (0.1 + 0.25 * rng.rand01()) * f.height;
    // The original's channel order is compiler-dependent; we draw R, G, B.
    const auto r = static_cast<uint8_t>(rng.randint(0, 255));
    const auto g = static_cast<uint8_t>(rng.randint(0, 255));
    const auto b = static_cast<uint8_t>(rng.randint(0, 255));
    fill_rect(f, left, top, left + w, top + h, r, g, b);
  }
}

void draw_velocity_squares(FrameView f, float vx, float vy) {
  // §7.9: side 0.2 H; at 64 px that is 12.8 px, drawn as 13 so the antialiased column shows.
  const double side = 0.2 * f.height;
  const uint8_t gx = grey_level(vx, 0.5f);
  const uint8_t gy = grey_level(vy, 1.5f);
  fill_rect(f, 0, 0, side, side, gx, gx, gx);
  fill_rect(f, side, 0, 2 * side, side, gy, gy, gy);
}

}  // namespace coinrun
