#pragma once
// The 34 procedural background pictures (docs/rules.md §12.3 index groups): cartoon
// landscapes (0-6), painted scenes (7-16), a cave (17), starfields and nebulae (18-25), space
// scenes (26-29) and bright cartoon skies (30-33). Resolution independent: a picture is a
// function of (u, v) in [0, 1)^2, horizontally periodic so that the tiled copies of §7.6 join.
#include <cstdint>

namespace coinrun {

inline constexpr int kNumBackgrounds = 34;

// Paints picture `index` as a size x size RGB888 image (rows top to bottom) into `rgb`.
void paint_background(int index, int size, uint8_t* rgb);
// Paints only the pixels [x0, x1) x [y0, y1) of that image (each pixel is a function of its
// own position, so the bytes are those of paint_background); the rest of `rgb` is untouched.
void paint_background_rect(int index, int size, int x0, int y0, int x1, int y1, uint8_t* rgb);

}  // namespace coinrun
