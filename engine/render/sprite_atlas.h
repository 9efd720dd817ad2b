#pragma once
// The read-only sprite atlas: the project's only global. The procedural art is painted once
// (std::call_once) at the 40 px base resolution; the sprite sets for the 64 x 64 observation
// (5 px tiles, 5 x 10 agent) are built at the same time, and sets for any other pixel size
// (512 x 512 viewing frames, viewer windows, zoom 7.5) are built on first use, under a lock,
// and kept for the life of the process. Built sets are never modified or freed, so references
// handed out stay valid and can be read from any thread without locking. Background pictures
// are painted block by block as frames show them (BackgroundImage).
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "backgrounds.h"
#include "canvas.h"
#include "sprite_art.h"

namespace coinrun {

inline constexpr int kLavaPhases = 10;  // §7.7: one scroll cycle is 10 ticks
inline constexpr int kTrailPuffs = 6;   // §7.5: puffs for trail indices 2, 4, ..., 12

// Index of each sprite inside a CellSprites (everything drawn in a 1 x 1 tile box).
struct CellIndex {
  static constexpr int ground(int theme, GroundPart p) { return theme * 4 + static_cast<int>(p); }
  static constexpr int crate(int look) { return 24 + look; }
  static constexpr int lava_top(int phase) { return 28 + phase; }
  static constexpr int lava(int phase) { return 38 + phase; }
  static constexpr int item(Item i) { return 48 + static_cast<int>(i); }
  static constexpr int saw(int frame, bool mirrored) { return 53 + frame * 2 + mirrored; }
  static constexpr int walker(int species, int frame, bool mirrored) {
    return 57 + (species * 2 + frame) * 2 + mirrored;
  }
  static constexpr int flyer(int frame, bool mirrored) { return 93 + frame * 2 + mirrored; }
  static constexpr int puff(int i) { return 97 + i; }
  static constexpr int kCount = 103;
};

struct SpriteSet {
  int w = 0, h = 0;
  std::vector<Sprite> sprites;
  const Sprite& operator[](int i) const { return sprites[i]; }
};

// Agent sprites, drawn in the 1 x 2 tile box.
inline constexpr int agent_index(int look, AgentPose pose, bool mirrored) {
  return (look * static_cast<int>(AgentPose::Count) + static_cast<int>(pose)) * 2 + mirrored;
}

// One background picture at one resolution, painted in square blocks as frames first show
// them. Painting a whole picture takes up to 80 ms at the observation's 320 px and 1.6 s at
// 1280 px (all 34: 0.6 s and 10 s), which stalled the step, or the viewer, that first showed
// it; a frame now paints only the few blocks it shows that are not painted yet.
class BackgroundImage {
 public:
  static constexpr int kBlockPx = 32;
  BackgroundImage(int index, int size);
  int size() const { return size_; }
  // Paints, once, every block that holds a pixel of the w x h rectangle at (x, y), the
  // picture seen as periodic (x and y may be any integers); the rectangle's pixels are then
  // valid. Safe from any thread: a block being painted by another thread is waited for.
  void paint(int x, int y, int w, int h) const;
  // Row y (size x RGB888); only pixels inside painted blocks are valid.
  const uint8_t* row(int y) const { return rgb_.data() + size_t(y) * size_ * 3; }

 private:
  int index_, size_, blocks_;  // blocks_: per side
  mutable std::vector<uint8_t> rgb_;
  std::unique_ptr<std::once_flag[]> painted_;  // blocks_ x blocks_, row-major
};

class SpriteAtlas {
 public:
  // Background picture resolutions: the exact observation size (zoom 5 x 64 px) and a large
  // one for viewing frames, which enlarge it further with bilinear filtering.
  static constexpr int kObsBackgroundPx = 320;
  static constexpr int kLargeBackgroundPx = 1280;

  static const SpriteAtlas& get();

  // Only get() can make the key, so the atlas stays a single instance.
  class Key {
    friend class SpriteAtlas;
    Key() = default;
  };
  explicit SpriteAtlas(Key);

  // Tile-box sprites at w x h pixels.
  const SpriteSet& cells(int w, int h) const;
  // Agent sprites for an agent box of w x h pixels (h about 2 w).
  const SpriteSet& agents(int w, int h) const;
  // Background `index` at kObsBackgroundPx or kLargeBackgroundPx (its blocks are painted as
  // frames show them: BackgroundImage::paint).
  const BackgroundImage& background(int index, bool large) const;

  // Sprite index of a tile code for a ground theme and lava phase; -1 for nothing to draw.
  int tile_sprite(uint8_t code, int theme, int lava_phase) const {
    return tile_table_[theme][lava_phase][code & 127];
  }

 private:
  std::unique_ptr<SpriteSet> build_cells(int w, int h) const;
  std::unique_ptr<SpriteSet> build_agents(int w, int h) const;

  std::vector<Canvas> cell_art_;   // CellIndex order; puffs and mirrors are made per size
  std::vector<Canvas> agent_art_;  // (look, pose) order, facing right
  std::unique_ptr<SpriteSet> obs_cells_, obs_agents_;  // 5 x 5 and 5 x 10, built eagerly
  std::array<std::array<std::array<int16_t, 128>, kLavaPhases>, kNumGroundThemes> tile_table_{};

  mutable std::mutex mu_;
  mutable std::map<std::pair<int, int>, std::unique_ptr<SpriteSet>> cell_cache_, agent_cache_;
  // Per picture and resolution (observation, large): made on first use, painted by blocks.
  mutable std::array<std::array<std::once_flag, 2>, kNumBackgrounds> bg_once_;
  mutable std::array<std::array<std::unique_ptr<const BackgroundImage>, 2>, kNumBackgrounds> bg_;
};

}  // namespace coinrun
