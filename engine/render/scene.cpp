// TEMPORARY flat-colour renderer so the engine builds before the real renderer lands.
#include "scene.h"

#include <cmath>

namespace coinrun {
namespace {
void draw_flat(const GameState& s, FrameView f) {
  const double k = s.zoom * f.width / 64.0;
  const int cx = (f.width - 1) / 2, cy = (f.height - 1) / 2;
  for (int py = 0; py < f.height; ++py) {
    for (int px = 0; px < f.width; ++px) {
      const double wx = s.agent.x + 0.5 + (px - cx) / k;
      const double wy = s.agent.y + 0.5 - (py - (f.height - cy)) / k;
      Tile t = s.grid.get(static_cast<int>(std::floor(wx)), static_cast<int>(std::floor(wy)));
      uint8_t* p = f.pixel(px, py);
      uint8_t v = is_solid(t) ? 150 : (t == Tile::Coin ? 255 : 30);
      p[0] = v;
      p[1] = v;
      p[2] = t == Tile::Coin ? 0 : v;
    }
  }
}
}  // namespace
void draw_platformer_scene(const GameState& s, FrameView f) { draw_flat(s, f); }
void draw_maze_scene(const GameState& s, FrameView f) { draw_flat(s, f); }
}  // namespace coinrun
