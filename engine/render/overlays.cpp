// Overlays drawn after the scene (docs/rules.md §7.8, §7.9). Edges are antialiased like the
// original's painter: a rectangle edge that cuts a pixel blends by the covered fraction.
#include "overlays.h"

#include <algorithm>

#include "canvas.h"

namespace coinrun {
namespace {

constexpr double kVelSquareSide = 0.2;                     // §7.9: each square is 0.2 H on a side
constexpr float kMaxVx = 0.5f;                             // §7.9: vx / 0.5
constexpr float kMaxVy = 1.5f;                             // §7.9: vy / 1.5
constexpr int kMaxAugRects = 6;                            // §7.8: randint(0, 6) rectangles
constexpr double kAugMinSize = 0.1, kAugSizeRange = 0.25;  // §7.8: (0.1 + 0.25 rand01) W
constexpr int kAugColourHi = 255;                          // §7.8: randint(0, 255), i.e. 0..254

// §7.9: clamp(int(255 (0.5 + 0.5 v / vmax)), 0, 255); int() truncates toward zero.
uint8_t grey_level(float v, float vmax) {
  const int g = static_cast<int>(255.0 * (0.5 + 0.5 * static_cast<double>(v) / vmax));
  return static_cast<uint8_t>(std::clamp(g, 0, 255));
}

}  // namespace

void draw_augmentation(FrameView f, Rng& rng) {
  const int count = rng.randint(0, kMaxAugRects);
  for (int i = 0; i < count; ++i) {
    // Draw order of §7.8: left, top, width, height, then the colour.
    const double left = rng.rand01() * f.width;
    const double top = rng.rand01() * f.height;
    const double w = (kAugMinSize + kAugSizeRange * rng.rand01()) * f.width;
    const double h = (kAugMinSize + kAugSizeRange * rng.rand01()) * f.height;
    // The original's channel order is compiler-dependent (§13 item 15); we draw R, G, B.
    const auto r = static_cast<uint8_t>(rng.randint(0, kAugColourHi));
    const auto g = static_cast<uint8_t>(rng.randint(0, kAugColourHi));
    const auto b = static_cast<uint8_t>(rng.randint(0, kAugColourHi));
    fill_rect_aa(f, left, top, left + w, top + h, r, g, b);
  }
}

void draw_velocity_squares(FrameView f, float vx, float vy) {
  // At 64 px the side is 12.8: pixels 0..11 get the full grey and pixel 12 is blended 80 %
  // (the original's antialiased 13th column and row); the second square starts inside it.
  const double side = kVelSquareSide * f.height;
  const uint8_t gx = grey_level(vx, kMaxVx);
  const uint8_t gy = grey_level(vy, kMaxVy);
  fill_rect_aa(f, 0, 0, side, side, gx, gx, gx);
  fill_rect_aa(f, side, 0, 2 * side, side, gy, gy, gy);
}

}  // namespace coinrun
