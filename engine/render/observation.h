#pragma once
// An observation from a drawn scene (docs/rules.md §7.3 steps 5-6, §7.11): the overlays
// (augmentation rectangles, velocity squares), then grayscale where asked. The game draws the
// scene; this is everything after it, the same for every game.
#include <cstdint>

#include "base/frame.h"
#include "base/game_state.h"
#include "base/rng.h"

namespace coinrun {

// Observations are kObsSide x kObsSide pixels (docs/rules.md §7.1).
inline constexpr int kObsSide = 64;

struct ObservationSettings {
  bool paint_vel_info = false;
  bool use_data_augmentation = false;
  bool use_black_white = false;
};

// Draws the overlays over `scene` (the augmentation draws from `aug_rng`).
void draw_overlays(const ObservationSettings& settings, const GameState& state, Rng& aug_rng,
                   FrameView scene);
// Overlays over `scene`, then, for grayscale observations, floor(mean(R, G, B)) of each
// pixel into `dst` (one byte per pixel). For colour observations `scene` is the destination itself.
void finish_observation(const ObservationSettings& settings, const GameState& state, Rng& aug_rng,
                        FrameView scene, uint8_t* dst);

}  // namespace coinrun
