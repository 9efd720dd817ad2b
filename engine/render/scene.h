#pragma once
// Scene drawing shared by the games (docs/rules.md §7.2-§7.7, §7.10): everything but the
// overlays. Games call these from Game::draw.
#include "base/frame.h"
#include "base/game_state.h"
#include "base/scene_style.h"

namespace coinrun {

// CoinRun and CoinRun-Platforms: parallax background, tiles, agent, monsters with trails.
void draw_platformer_scene(const GameState& s, FrameView frame, const SceneStyle& style = {});
// RandomMazes: flat colours, camera on the agent.
void draw_maze_scene(const GameState& s, FrameView frame, const SceneStyle& style = {});

}  // namespace coinrun
