#pragma once
// Frame overlays drawn after the scene (docs/rules.md §7.3 steps 5-6).
#include "base/rng.h"
#include "base/frame.h"

namespace coinrun {

// §7.8: 0..5 opaque random rectangles (cutout-style augmentation).
void draw_augmentation(FrameView frame, Rng& rng);
// §7.9: two grey squares in the top-left corner showing vx and vy.
void draw_velocity_squares(FrameView frame, float vx, float vy);

}  // namespace coinrun
