#pragma once
// One game played tick by tick for the viewer: keyboard play and replays. Owns a single Env
// with NEXT_STEP autoreset, so that the terminal frame of an episode stays on screen for one
// tick before the next level starts (the window shows where the agent won or died). Keeps
// the actions of the running episode so that any finished episode can be saved and
// replayed exactly (the engine is deterministic: level seed + options + actions = state).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/options.h"

namespace coinrun::viewer {

// How an episode ended and the agent's final state, to check a replay bit for bit.
struct EpisodeResult {
  int length = 0;
  float episode_return = 0;
  bool terminated = false;
  bool truncated = false;
  bool level_complete = false;
  bool has_agent = false;  // the Python client cannot see the agent; the viewer can
  float x = 0, y = 0, vx = 0, vy = 0;
};

// Everything needed to replay one episode (the file format is in docs/viewer.md).
struct EpisodeRecord {
  PoolOptions options;  // game, high_difficulty and the drawing options
  uint32_t level_seed = 0;
  float zoom = 5.0f;  // camera zoom at the episode start (§7.2 maze quirk)
  std::vector<int> actions;
  std::optional<EpisodeResult> result;  // absent while the episode runs or if it was cut
};

class PlayLoop {
 public:
  // `fixed_level`: every episode plays that level seed; otherwise the level sampler of
  // `opts` picks (num_levels / set_seed / seed, §3.2).
  PlayLoop(PoolOptions opts, std::optional<uint32_t> fixed_level);

  // One env step with `action` (0..6). If the previous step ended the episode, this tick
  // starts the next one instead and the action is ignored (NEXT_STEP, see above).
  StepResult tick(int action);
  // Starts a new episode now (Return key, menu "Restart"); the running one is discarded.
  void new_episode();
  // Changes the fixed level (nullopt: back to the sampler) and starts it.
  void set_fixed_level(std::optional<uint32_t> level);
  // Replaces the options (game, difficulty, ...) and starts over with a fresh Env.
  void reset_options(PoolOptions opts, std::optional<uint32_t> fixed_level);

  // §7.2 interactive zoom: the F5-F8 target, approached by 10 % on every drawn frame.
  void set_target_zoom(float target) { target_zoom_ = target; }
  void advance_zoom();
  // Sets the camera zoom directly (replays restore the recorded episode's zoom).
  void set_zoom(float zoom);

  const Env& env() const { return *env_; }
  const PoolOptions& options() const { return opts_; }
  std::optional<uint32_t> fixed_level() const { return fixed_level_; }
  int episode_step() const { return env_->episode_length(); }
  float episode_return() const { return env_->episode_return(); }
  bool episode_over() const { return env_->awaiting_reset(); }
  int episodes_finished() const { return episodes_finished_; }
  const EpisodeRecord& current_episode() const { return current_; }
  // The last episode that ended by itself (won, died or timed out).
  const std::optional<EpisodeRecord>& last_finished() const { return last_finished_; }

 private:
  void start(std::optional<uint32_t> level);
  void begin_record();

  PoolOptions opts_;
  std::optional<uint32_t> fixed_level_;
  std::optional<Env> env_;
  std::optional<float> target_zoom_;
  EpisodeRecord current_;
  std::optional<EpisodeRecord> last_finished_;
  int episodes_finished_ = 0;
};

// The options a viewer uses for a game by name, with its defaults (throws OptionError).
PoolOptions viewer_options(const OptionMap& values);

}  // namespace coinrun::viewer
