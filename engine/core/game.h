#pragma once
// The game interface: generate a level from a seed, step one tick, draw into a frame.
// Games are stateless objects; all per-env state lives in GameState. Episode bookkeeping
// (timeout, done one step late, autoreset, returns) lives once, in env.cpp.
#include <cstdint>
#include <string_view>

#include "base/frame.h"
#include "base/game_state.h"
#include "base/scene_style.h"

namespace coinrun {

struct GameInfo {
  std::string_view name;   // config name: "standard", "platform", "maze"
  std::string_view title;  // paper name: "CoinRun", ...
  int engine_id;           // 1000, 1001, 1002 (docs/rules.md §1)
  int max_age;             // time limit in ticks (§6)
  float zoom;              // the game's own camera zoom (§7.2)
  bool paint_vel_info_default;  // what paint_vel_info = -1 ("auto") resolves to (§7.9)
  std::string_view env_id;      // gymnasium id, "coinrun/<Title>-v<N>": clients register it
};

// Action table of docs/rules.md §5.2.
inline constexpr int kNumActions = 7;
inline constexpr int kActionDx[kNumActions] = {0, 1, -1, 0, 1, -1, 0};
inline constexpr int kActionDy[kNumActions] = {0, 0, 0, 1, 1, 1, -1};
inline constexpr std::string_view kActionNames[kNumActions] = {
    "noop", "right", "left", "up", "right_up", "left_up", "down"};

class Game {
 public:
  virtual ~Game() = default;
  virtual const GameInfo& info() const = 0;

  // Builds the level for `level_seed` (§4): grid, monsters, coins, spawn, cosmetics, and the
  // agent at the spawn tile at rest. A pure function of (seed, high_difficulty). Resets the
  // per-level fields of `state` (clock, age, flags); leaves `zoom` alone (env.cpp owns it).
  virtual void generate(uint32_t level_seed, bool high_difficulty, GameState& state) const = 0;

  // One tick of the game's rules, steps 3-4 of §5.1: monsters (with the contact test against
  // the agent's position from before its move), then the agent with `action` (0..6). The
  // caller has already advanced `clock` and `age`. Adds reward to `state.pending_reward` and
  // sets `level_over` / `level_complete` / `died`.
  virtual void step(GameState& state, int action) const = 0;

  // Draws the scene (§7.3 steps 1-4: background, tiles, agent, monsters) into `frame`
  // at `state.zoom`, in `style`. Overlays (augmentation, velocity squares) are drawn by the
  // caller.
  virtual void draw(const GameState& state, FrameView frame,
                    const SceneStyle& style = {}) const = 0;
};

}  // namespace coinrun
