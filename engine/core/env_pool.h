#pragma once
// N envs of one game stepped by a thread pool. Actions are validated before any env steps
// (a rejected batch changes nothing); results are written straight into caller-owned rows.
// Results do not depend on the thread count: every env owns all of its random streams.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "batch_view.h"
#include "env.h"
#include "options.h"
#include "thread_pool.h"

namespace coinrun {

class ActionError : public std::invalid_argument {
 public:
  ActionError(const std::string& msg, int env, int64_t value)
      : std::invalid_argument(msg), env_(env), value_(value) {}
  int env() const { return env_; }
  int64_t value() const { return value_; }

 private:
  int env_;
  int64_t value_;
};

class EnvPool {
 public:
  // Throws OptionError on invalid options.
  explicit EnvPool(const PoolOptions& opts);

  int num_envs() const { return static_cast<int>(envs_.size()); }
  int obs_channels() const { return opts_.obs_channels(); }
  size_t obs_bytes() const { return 64 * 64 * static_cast<size_t>(obs_channels()); }
  const PoolOptions& options() const { return opts_; }
  const Game& game() const { return *game_; }
  int num_threads() const { return pool_.num_threads(); }

  // Throws ActionError naming the first env with an action outside [0, 7).
  void validate_actions(std::span<const int32_t> actions) const;

  // Steps every env with its action and writes all rows of `out`.
  void step(std::span<const int32_t> actions, const BatchView& out);
  // Steps only the envs in `env_ids` (async batches); row j of `out` belongs to env_ids[j].
  void step_subset(std::span<const int32_t> env_ids, std::span<const int32_t> actions,
                   const BatchView& out);

  // Starts new episodes and writes observations and info rows (reward 0, no done).
  // `seed`: re-seed every env's level picker first (gymnasium reset(seed=...)).
  // `mask`: only envs with mask[i] != 0 (others' rows are left untouched).
  // `level_seeds`: play exactly these levels (one per env, or per masked env in order).
  void reset(const BatchView& out, std::optional<uint32_t> seed = std::nullopt,
             std::span<const uint8_t> mask = {}, std::span<const uint32_t> level_seeds = {});

  // Re-draws the observation rows of every env without stepping.
  void observe_all(const BatchView& out);

  // ---- Per-env states, defined in env_state.cpp (docs/state.md) ----
  // The states of `env_ids` (empty: every env, in order). Throws StateError on a bad id.
  std::vector<std::vector<uint8_t>> get_states(std::span<const int32_t> env_ids = {});
  // Restores states[j] into env env_ids[j] (empty ids: states[i] into env i, one per env).
  // Every state is checked first; on any error (StateError) no env changes. Then writes the
  // restored envs' rows of `out` (row i for env i) as reset does: observation, level seed,
  // reward 0, no done. The augmentation stream is not advanced by that observation.
  void set_states(std::span<const std::vector<uint8_t>> states,
                  std::span<const int32_t> env_ids, const BatchView& out);

  Env& env(int i) { return *envs_[static_cast<size_t>(i)]; }
  const Env& env(int i) const { return *envs_[static_cast<size_t>(i)]; }

 private:
  void write_row(int env_index, int row, const StepResult& r, const BatchView& out);
  int chunk_size(int n) const;

  PoolOptions opts_;
  const Game* game_;
  std::vector<std::unique_ptr<Env>> envs_;
  ThreadPool pool_;
};

}  // namespace coinrun
