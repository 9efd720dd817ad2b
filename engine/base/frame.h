#pragma once
// A non-owning RGB888 image: rows top to bottom, 3 bytes per pixel, `stride` bytes per row.
// It points into shared memory in the engine and into plain buffers in tests and the viewer.
#include <cstddef>
#include <cstdint>

namespace coinrun {

struct FrameView {
  uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int stride = 0;  // bytes per row, >= 3 * width

  uint8_t* row(int y) const { return data + static_cast<ptrdiff_t>(y) * stride; }
  uint8_t* pixel(int x, int y) const { return row(y) + 3 * x; }
  static FrameView packed(uint8_t* data, int width, int height) {
    return FrameView{data, width, height, 3 * width};
  }
};

}  // namespace coinrun
