#include "observation.h"

#include "overlays.h"

namespace coinrun {

void draw_overlays(const ObservationSettings& settings, const GameState& state, Rng& aug_rng,
                   FrameView scene) {
  if (settings.use_data_augmentation) draw_augmentation(scene, aug_rng);
  if (settings.paint_vel_info) draw_velocity_squares(scene, state.agent.vx, state.agent.vy);
}

void finish_observation(const ObservationSettings& settings, const GameState& state, Rng& aug_rng,
                        FrameView scene, uint8_t* dst) {
  draw_overlays(settings, state, aug_rng, scene);
  if (!settings.use_black_white) return;
  // §7.11: floor(mean(R, G, B)).
  for (int y = 0; y < scene.height; ++y) {
    const uint8_t* p = scene.row(y);
    for (int x = 0; x < scene.width; ++x, p += 3) *dst++ = static_cast<uint8_t>((p[0] + p[1] + p[2]) / 3);
  }
}

}  // namespace coinrun
