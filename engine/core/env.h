#pragma once
// One environment: a game, its state, its level sampler and its augmentation stream.
// Episode bookkeeping lives here once for every game (docs/rules.md §5.1, §6): `done` one
// step after the event, the time limit, autoreset, episode return and length.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/rng.h"
#include "game.h"
#include "level_sampler.h"
#include "options.h"
#include "render/observation.h"

namespace coinrun {

class EnvStateCodec;  // env_state.h

struct StepResult {
  float reward = 0;
  bool terminated = false;  // episode ended by winning or dying
  bool truncated = false;   // episode ended by the time limit
  bool prev_level_complete = false;
  float episode_return = 0;  // of the episode that just ended (valid when done)
  int episode_length = 0;    // of the episode that just ended, done step included
  bool done() const { return terminated || truncated; }
};

// What a viewing frame is drawn from, copied out of an Env (GameState is trivially
// copyable): a spectator's frame can then be drawn on another thread while the env steps on.
struct EnvSnapshot {
  const Game* game = nullptr;
  GameState state;
  SceneStyle style;
  ObservationSettings view;
  float episode_return = 0;
  int episode_length = 0;

  // Exactly what Env::render drew at the moment of the copy.
  void render(FrameView frame) const;
};

class Env {
 public:
  Env(const Game& game, const PoolOptions& opts,
      std::shared_ptr<const std::vector<uint32_t>> level_table, int env_index);

  // Re-seeds the level picker and the augmentation stream from (pool seed, env index).
  void reseed(uint32_t pool_seed);
  // Starts a new episode on the given level, or on the sampler's next level.
  void start_episode(std::optional<uint32_t> level_seed = std::nullopt);
  // One env step (§5.1 steps 1-5 and 7); the caller draws afterwards. With SAME_STEP
  // autoreset, the finished episode's last frame is drawn into `final_obs` (when given)
  // before the next episode starts; its augmentation comes from a stream of its own.
  StepResult step(int action, uint8_t* final_obs = nullptr);

  // Draws the observation into `dst` (64 x 64 x C, packed), overlays included.
  void observe(uint8_t* dst);
  // Draws the current state at any size for viewing (§7.12); does not touch the streams
  // that observations depend on.
  void render(FrameView frame) const;
  // A copy of what render() draws from.
  EnvSnapshot snapshot() const;

  const Game& game() const { return *game_; }
  const GameState& state() const { return state_; }
  GameState& mutable_state() { return state_; }
  const ObservationSettings& observation_settings() const { return render_; }
  const SceneStyle& scene_style() const { return style_; }
  // Episode length at which the time limit truncates (the game's, or max_episode_steps).
  int max_episode_steps() const { return max_age_ + 2; }
  bool awaiting_reset() const { return awaiting_reset_; }
  float episode_return() const { return episode_return_; }
  int episode_length() const { return episode_length_; }

  // ---- Env state save and restore, defined in env_state.cpp ----
  // Everything needed to continue bit-exactly, as a portable versioned byte string
  // (docs/state.md). load_state throws StateError (env_state.h) and then changes nothing;
  // it does not draw an observation (EnvPool::set_states does).
  std::vector<uint8_t> save_state() const;
  void load_state(std::span<const uint8_t> bytes);

 private:
  friend class EnvStateCodec;
  void draw_observation(uint8_t* dst, Rng& aug_rng);

  const Game* game_;
  int env_index_;
  bool high_difficulty_;
  float default_zoom_;
  AutoresetMode autoreset_;
  ObservationSettings render_;
  SceneStyle style_;
  int max_age_;               // level_over once the age exceeds it; done one step later
  bool sequential_levels_;    // Procgen's use_sequential_levels
  LevelSampler sampler_;
  Rng aug_rng_;
  GameState state_;
  bool first_episode_ = true;
  bool awaiting_reset_ = false;  // NEXT_STEP: the episode ended on the previous step
  float episode_return_ = 0;
  int episode_length_ = 0;
  std::vector<uint8_t> rgb_scratch_;  // only for grayscale observations
  // The options as made (paint_vel_info resolved): a saved state records those that decide
  // how the env continues, so that a mismatch is refused by name (option_table.h).
  PoolOptions options_;
};

}  // namespace coinrun
