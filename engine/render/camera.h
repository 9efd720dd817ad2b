#pragma once
// World-to-pixel transform of docs/rules.md §7.2: agent-centred, never clamped, k = zoom * W / 64
// pixels per tile. Every world edge is rounded to a whole pixel with floor(v + 0.5), so tiles
// abut exactly (no seams, hence no need for the original's +0.7 px enlargement, §7.3) and the
// agent's box always lands on the same pixels: columns 29..33 and rows 31..35 at 64 x 64 and
// zoom 5, i.e. centred on pixel (31, 33) as in the original.
#include <cmath>

#include "base/frame.h"

namespace coinrun {

inline constexpr double kViewTiles = 64.0;  // §7.2: k = zoom * W / 64

struct Camera {
  double kx = 5, ky = 5;  // pixels per tile
  double ax = 0, ay = 0;  // the agent's bottom-left corner, world units
  int width = 64, height = 64;
  int cx = 31, cy = 31;  // §7.2: Cx = floor((W - 1) / 2), Cy = floor((H - 1) / 2)

  Camera(float zoom, float agent_x, float agent_y, FrameView f)
      : kx(zoom * f.width / kViewTiles),
        ky(zoom * f.height / kViewTiles),
        ax(agent_x),
        ay(agent_y),
        width(f.width),
        height(f.height),
        cx((f.width - 1) / 2),
        cy((f.height - 1) / 2) {}

  // Exact (unrounded) pixel coordinates of a world point: px = Cx + (X - ax - 0.5) k,
  // py = (H - Cy) - (Y - ay - 0.5) k.
  double fx(double X) const { return cx + (X - ax - 0.5) * kx; }
  double fy(double Y) const { return (height - cy) - (Y - ay - 0.5) * ky; }
  // Rounded pixel edges. In double these sums are exact for k = 5, 7.5 and 40 (float agent
  // positions, integer tiles), so integer zooms give tiles of exactly k pixels.
  int px(double X) const { return static_cast<int>(std::floor(fx(X) + 0.5)); }
  int py(double Y) const { return static_cast<int>(std::floor(fy(Y) + 0.5)); }
};

}  // namespace coinrun
