#include "sprite_atlas.h"

#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

#include "base/game_state.h"
#include "base/tile_grid.h"
#include "backgrounds.h"

namespace coinrun {
namespace {

constexpr int kObsTilePx = 5;          // §7.2: k = zoom = 5 for the 64 x 64 observation
static_assert(kNumBackgrounds == 34);  // §12.3: keeps the background draw aligned

Canvas tile_canvas() { return Canvas(kBaseTilePx, kBaseTilePx, kBaseTilePx); }

Sprite mirrored(const Sprite& s) {
  Sprite m = s;
  for (int y = 0; y < s.h; ++y) {
    for (int x = 0; x < s.w; ++x) {
      const size_t src = size_t(y) * s.w + (s.w - 1 - x), dst = size_t(y) * s.w + x;
      for (int c = 0; c < 3; ++c) m.rgb[dst * 3 + c] = s.rgb[src * 3 + c];
      m.inv_alpha[dst] = s.inv_alpha[src];
    }
    if (s.row_hi[y] > s.row_lo[y]) {
      m.row_lo[y] = static_cast<uint16_t>(s.w - s.row_hi[y]);
      m.row_hi[y] = static_cast<uint16_t>(s.w - s.row_lo[y]);
    }
  }
  return m;
}

}  // namespace

const SpriteAtlas& SpriteAtlas::get() {
  static std::once_flag once;
  static std::unique_ptr<const SpriteAtlas> atlas;
  std::call_once(once, [] { atlas = std::make_unique<const SpriteAtlas>(Key{}); });
  return *atlas;
}

SpriteAtlas::SpriteAtlas(Key) {
  cell_art_.resize(CellIndex::kCount, tile_canvas());
  for (int t = 0; t < kNumGroundThemes; ++t) {
    for (int p = 0; p < static_cast<int>(GroundPart::Count); ++p) {
      paint_ground(cell_art_[CellIndex::ground(t, GroundPart(p))], t, GroundPart(p));
    }
  }
  for (int i = 0; i < kNumCrateLooks; ++i) paint_crate(cell_art_[CellIndex::crate(i)], i);
  Canvas lava_top = tile_canvas(), lava = tile_canvas();
  paint_lava(lava_top, true);
  paint_lava(lava, false);
  for (int p = 0; p < kLavaPhases; ++p) {
    // §7.7: at phase p the picture has moved p/10 of a tile to the left (4 base pixels).
    cell_art_[CellIndex::lava_top(p)] = lava_top;
    cell_art_[CellIndex::lava_top(p)].shift_left_wrapped(p * kBaseTilePx / kLavaPhases);
    cell_art_[CellIndex::lava(p)] = lava;
    cell_art_[CellIndex::lava(p)].shift_left_wrapped(p * kBaseTilePx / kLavaPhases);
  }
  for (int i = 0; i < static_cast<int>(Item::Count); ++i)
    paint_item(cell_art_[CellIndex::item(Item(i))], Item(i));
  for (int f = 0; f < 2; ++f) {
    paint_saw(cell_art_[CellIndex::saw(f, false)], f);
    paint_flyer(cell_art_[CellIndex::flyer(f, false)], f);
    for (int s = 0; s < kNumWalkerLooks; ++s)
      paint_walker(cell_art_[CellIndex::walker(s, f, false)], s, f);
  }
  constexpr int kPoses = static_cast<int>(AgentPose::Count);
  agent_art_.resize(kNumAgentLooks * kPoses, Canvas(kBaseTilePx, 2 * kBaseTilePx, kBaseTilePx));
  for (int l = 0; l < kNumAgentLooks; ++l) {
    for (int p = 0; p < kPoses; ++p) paint_agent(agent_art_[l * kPoses + p], l, AgentPose(p));
  }

  // §7.7 tile table: codes without a picture of their own (monster markers, unknown codes)
  // are drawn as ground centre; empty space draws nothing.
  for (int t = 0; t < kNumGroundThemes; ++t) {
    for (int p = 0; p < kLavaPhases; ++p) {
      auto& tab = tile_table_[t][p];
      tab.fill(static_cast<int16_t>(CellIndex::ground(t, GroundPart::Centre)));
      auto set = [&](Tile code, int idx) {
        tab[static_cast<uint8_t>(code)] = static_cast<int16_t>(idx);
      };
      set(Tile::Empty, -1);
      set(Tile::Surface, CellIndex::ground(t, GroundPart::Surface));
      set(Tile::PlatformLeft, CellIndex::ground(t, GroundPart::LeftEnd));
      set(Tile::PlatformRight, CellIndex::ground(t, GroundPart::RightEnd));
      for (int c = 0; c < kNumCrateLooks; ++c) set(crate_look(c), CellIndex::crate(c));
      set(Tile::LavaTop, CellIndex::lava_top(p));
      set(Tile::Lava, CellIndex::lava(p));
      set(Tile::Ladder, CellIndex::item(Item::Ladder));
      set(Tile::Coin, CellIndex::item(Item::Coin));
      set(Tile::Gem, CellIndex::item(Item::Gem));
      set(Tile::Spikes, CellIndex::item(Item::Spikes));
      set(Tile::Trace, CellIndex::item(Item::Star));
    }
  }
  obs_cells_ = build_cells(kObsTilePx, kObsTilePx);
  obs_agents_ = build_agents(kObsTilePx, 2 * kObsTilePx);
}

std::unique_ptr<SpriteSet> SpriteAtlas::build_cells(int w, int h) const {
  auto set = std::make_unique<SpriteSet>();
  set->w = w, set->h = h;
  set->sprites.resize(CellIndex::kCount);
  for (int i = 0; i < CellIndex::puff(0); ++i) set->sprites[i] = make_sprite(cell_art_[i], w, h);
  auto mirror = [&](int plain, int mirror_idx) {
    set->sprites[mirror_idx] = mirrored(set->sprites[plain]);
  };
  for (int f = 0; f < 2; ++f) {
    mirror(CellIndex::saw(f, false), CellIndex::saw(f, true));
    mirror(CellIndex::flyer(f, false), CellIndex::flyer(f, true));
    for (int s = 0; s < kNumWalkerLooks; ++s)
      mirror(CellIndex::walker(s, f, false), CellIndex::walker(s, f, true));
  }
  // §7.5 puffs: for t = 2, 4, ..., 12, f = 1 - t/14, opacity floor(127 t / 14) / 255, diameter
  // (0.6 + 0.4 f) k.
  for (int i = 0; i < kTrailPuffs; ++i) {
    const int t = 2 + 2 * i;
    const float f = 1.0f - t / static_cast<float>(kTrailLength);
    const int alpha = 127 * t / kTrailLength;
    set->sprites[CellIndex::puff(i)] =
        make_disc((0.6f + 0.4f * f) * 0.5f * (w + h), alpha / 255.0f);
  }
  return set;
}

std::unique_ptr<SpriteSet> SpriteAtlas::build_agents(int w, int h) const {
  auto set = std::make_unique<SpriteSet>();
  set->w = w, set->h = h;
  constexpr int kPoses = static_cast<int>(AgentPose::Count);
  set->sprites.resize(kNumAgentLooks * kPoses * 2);
  for (int l = 0; l < kNumAgentLooks; ++l) {
    for (int p = 0; p < kPoses; ++p) {
      Sprite s = make_sprite(agent_art_[l * kPoses + p], w, h);
      set->sprites[agent_index(l, AgentPose(p), true)] = mirrored(s);
      set->sprites[agent_index(l, AgentPose(p), false)] = std::move(s);
    }
  }
  return set;
}

const SpriteSet& SpriteAtlas::cells(int w, int h) const {
  if (w == kObsTilePx && h == kObsTilePx) return *obs_cells_;
  std::lock_guard lock(mu_);
  auto& slot = cell_cache_[{w, h}];
  if (!slot) slot = build_cells(std::max(w, 1), std::max(h, 1));
  return *slot;
}

const SpriteSet& SpriteAtlas::agents(int w, int h) const {
  if (w == kObsTilePx && h == 2 * kObsTilePx) return *obs_agents_;
  std::lock_guard lock(mu_);
  auto& slot = agent_cache_[{w, h}];
  if (!slot) slot = build_agents(std::max(w, 1), std::max(h, 1));
  return *slot;
}

const BackgroundImage& SpriteAtlas::background(int index, bool large) const {
  index = std::clamp(index, 0, kNumBackgrounds - 1);
  auto& img = bg_[index][large];
  std::call_once(bg_once_[index][large], [&] {
    img = std::make_unique<const BackgroundImage>(index, large ? kLargeBackgroundPx : kObsBackgroundPx);
  });
  return *img;
}

namespace {
// paint() keeps the blocks of a row or column in one 64-bit mask: checked before anything is
// allocated for a picture of that size.
int checked_background_size(int size) {
  if (size < 1 || size > 64 * BackgroundImage::kBlockPx) {
    throw std::invalid_argument("background size must be in [1, " + std::to_string(64 * BackgroundImage::kBlockPx) +
                                "] pixels, got " + std::to_string(size));
  }
  return size;
}
}  // namespace

BackgroundImage::BackgroundImage(int index, int size)
    : index_(index),
      size_(checked_background_size(size)),
      blocks_((size + kBlockPx - 1) / kBlockPx),
      rgb_(size_t(size) * size * 3),
      painted_(std::make_unique<std::once_flag[]>(size_t(blocks_) * blocks_)) {}

void BackgroundImage::paint(int x, int y, int w, int h) const {
  // The blocks along one axis that hold pixels [at, at + len) of the periodic picture, as a
  // bit mask: cut to one period, the range wraps at most once.
  const auto blocks = [this](int at, int len) {
    const auto bits = [](int first, int last) { return ((uint64_t{2} << last) - 1) & ~((uint64_t{1} << first) - 1); };
    const int start = floor_mod(at, size_), n = std::clamp(len, 0, size_);
    if (n == 0) return uint64_t{0};
    const int end = start + n - 1;  // inclusive, may pass the edge
    if (end < size_) return bits(start / kBlockPx, end / kBlockPx);
    return bits(start / kBlockPx, blocks_ - 1) | bits(0, (end - size_) / kBlockPx);
  };
  const uint64_t cols = blocks(x, w);
  // Visits the set bits only: a frame's 4-9 blocks, not the picture's 100 or 1,600.
  for (uint64_t rows = blocks(y, h); rows != 0; rows &= rows - 1) {
    const int ty = std::countr_zero(rows);
    for (uint64_t c = cols; c != 0; c &= c - 1) {
      const int tx = std::countr_zero(c);
      std::call_once(painted_[size_t(ty) * blocks_ + tx], [&] {
        paint_background_rect(index_, size_, tx * kBlockPx, ty * kBlockPx, (tx + 1) * kBlockPx, (ty + 1) * kBlockPx,
                              rgb_.data());
      });
    }
  }
}

}  // namespace coinrun
