#pragma once
// How a scene is drawn, beyond the rules' own look (Procgen's rendering options,
// docs/gymnasium.md). The default draws exactly the rules' picture.
namespace coinrun {

struct SceneStyle {
  bool use_backgrounds = true;         // false: black behind tiles, agent and monsters
  bool restrict_themes = false;        // look 0 of every themed object and background 0
  bool use_monochrome_assets = false;  // one flat colour per object type, no trails
  bool center_agent = true;            // false: the whole 64 x 64 grid, one tile per 1/64 frame
};

}  // namespace coinrun
