// Background pictures are painted in blocks as frames show them (render/sprite_atlas.h): the
// blocks must give exactly the bytes of the whole picture, cover every pixel a frame asks for
// (the picture is periodic, so requests wrap), and be safe to paint from several threads.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/game_registry.h"
#include "render/backgrounds.h"
#include "render/canvas.h"
#include "render/sprite_atlas.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

// Not a multiple of the block size, so the last blocks of a row and column are partial.
constexpr int kSize = 100;

std::vector<uint8_t> whole_picture(int index) {
  std::vector<uint8_t> rgb(size_t(kSize) * kSize * 3);
  paint_background(index, kSize, rgb.data());
  return rgb;
}

// Whether every pixel of the w x h rectangle at (x, y), with wrap, equals the whole picture's.
::testing::AssertionResult rect_matches(const BackgroundImage& img, const std::vector<uint8_t>& want, int x, int y,
                                        int w, int h) {
  for (int j = 0; j < h; ++j) {
    const int row = floor_mod(y + j, kSize);
    for (int i = 0; i < w; ++i) {
      const int col = floor_mod(x + i, kSize);
      for (int c = 0; c < 3; ++c) {
        if (img.row(row)[col * 3 + c] != want[(size_t(row) * kSize + col) * 3 + c]) {
          return ::testing::AssertionFailure() << "pixel (" << col << ", " << row << ") channel " << c;
        }
      }
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(BackgroundImage, BlocksPaintTheBytesOfTheWholePictureForEveryBackground) {
  for (int index = 0; index < kNumBackgrounds; ++index) {
    SCOPED_TRACE(index);
    const std::vector<uint8_t> want = whole_picture(index);
    const BackgroundImage img(index, kSize);
    ASSERT_EQ(img.size(), kSize);
    img.paint(0, 0, kSize, kSize);
    ASSERT_TRUE(rect_matches(img, want, 0, 0, kSize, kSize));
  }
}

TEST(BackgroundImage, SizesItCannotHoldAreRefusedBeforeAnyAllocation) {
  EXPECT_THROW(BackgroundImage(0, 0), std::invalid_argument);
  EXPECT_THROW(BackgroundImage(0, 64 * BackgroundImage::kBlockPx + 1), std::invalid_argument);
  EXPECT_THROW(BackgroundImage(0, 1 << 30), std::invalid_argument);  // would need 3 EiB
  EXPECT_EQ(BackgroundImage(0, 1).size(), 1);
}

TEST(BackgroundImage, ARequestThatWrapsPaintsEveryPixelItCovers) {
  const std::vector<uint8_t> want = whole_picture(3);
  struct Rect {
    int x, y, w, h;
  };
  // Past the right and bottom edges, left of and above the origin, wider than the picture,
  // and a single pixel: each is checked right after it is painted, before any other.
  for (const Rect r : {Rect{90, 95, 30, 20}, Rect{-7, -40, 12, 64}, Rect{-250, 13, 3 * kSize, 5}, Rect{66, 67, 1, 1}}) {
    SCOPED_TRACE(::testing::Message() << r.x << ", " << r.y << ", " << r.w << " x " << r.h);
    const BackgroundImage img(3, kSize);
    img.paint(r.x, r.y, r.w, r.h);
    EXPECT_TRUE(rect_matches(img, want, r.x, r.y, r.w, r.h));
  }
}

TEST(BackgroundImage, ThreadsPaintingOverlappingRectanglesGetTheSameBytes) {
  const std::vector<uint8_t> want = whole_picture(20);
  const BackgroundImage img(20, kSize);
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&img, t] {
      for (int k = 0; k < 40; ++k) img.paint(t * 17 + k * 7, k * 11 - t * 5, 40, 30);
    });
  }
  threads.clear();  // joins
  img.paint(0, 0, kSize, kSize);
  EXPECT_TRUE(rect_matches(img, want, 0, 0, kSize, kSize));
}

// A frame must read only painted pixels: drawn once as the renderer paints blocks on demand,
// and again after every block of its picture is painted, it has the same bytes (an unpainted
// pixel reads as black the first time). Every case draws a picture no case before it drew
// (ctest runs each test in a process of its own, so nothing else painted it either): the
// observation (the stored 320 px picture) and viewing frames of other sizes (bilinear, from
// the 1280 px one), with the camera at the level's corners and middle.
TEST(BackgroundImage, FramesOfEverySizeReadOnlyPaintedPixels) {
  const Game& game = *find_game("standard");
  auto s = testing::generated_level(game, 5);
  s->zoom = game.info().zoom;
  struct Size {
    int w, h;
  };
  const SpriteAtlas& atlas = SpriteAtlas::get();
  struct Case {
    Size size;
    float x, y;
  };
  std::vector<Case> cases;
  for (const float x : {0.5f, 31.0f, 63.5f}) {
    for (const float y : {0.5f, 40.0f, 63.5f}) cases.push_back({{64, 64}, x, y});
  }
  // Painting a whole 1280 px picture takes up to 1.6 s: one camera place per size.
  cases.push_back({{512, 512}, 0.5f, 0.5f});
  cases.push_back({{700, 300}, 63.5f, 63.5f});
  cases.push_back({{90, 1000}, 31.0f, 40.0f});
  int next_small = 0, next_large = 0;
  for (const Case& c : cases) {
    const bool large = c.size.w != 64;
    const int index = large ? next_large++ : next_small++;
    SCOPED_TRACE(::testing::Message() << "background " << index << ", " << c.size.w << " x " << c.size.h
                                      << ", agent at " << c.x << ", " << c.y);
    s->cosmetics.background = index;
    s->agent.x = c.x, s->agent.y = c.y;
    std::vector<uint8_t> first(size_t(c.size.w) * c.size.h * 3), again(first.size());
    game.draw(*s, FrameView::packed(first.data(), c.size.w, c.size.h));
    const BackgroundImage& img = atlas.background(index, large);
    img.paint(0, 0, img.size(), img.size());
    game.draw(*s, FrameView::packed(again.data(), c.size.w, c.size.h));
    ASSERT_EQ(first, again);
  }
}

}  // namespace
}  // namespace coinrun
