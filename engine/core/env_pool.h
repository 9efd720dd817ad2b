#pragma once
// N envs of one game stepped by a thread pool. Actions are validated before any env steps
// (a rejected batch changes nothing); results are written straight into caller-owned rows.
// Results do not depend on the thread count: every env owns all of its random streams.
#include <algorithm>
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

// Why a batch of actions was refused before any env stepped.
enum class BatchErrorKind {
  WrongCount,        // not one action per env (or per env id)
  BadAction,         // an action outside [0, kNumActions)
  EnvIdOutOfRange,   // an env id outside [0, num_envs)
  EnvIdRepeated,     // an env id twice in one batch
};

class ActionError : public std::invalid_argument {
 public:
  // `env`: the env whose action is bad, or the position of a bad env id; `value`: the
  // offending value; `limit`: the exclusive upper bound it broke.
  ActionError(BatchErrorKind kind, const std::string& msg, int env, int64_t value, int64_t limit)
      : std::invalid_argument(msg), kind_(kind), env_(env), value_(value), limit_(limit) {}
  BatchErrorKind kind() const { return kind_; }
  int env() const { return env_; }
  int64_t value() const { return value_; }
  int64_t limit() const { return limit_; }

 private:
  BatchErrorKind kind_;
  int env_;
  int64_t value_;
  int64_t limit_;
};

class EnvPool {
 public:
  // Throws OptionError on invalid options.
  explicit EnvPool(const PoolOptions& opts);

  int num_envs() const { return static_cast<int>(envs_.size()); }
  int obs_channels() const { return opts_.obs_channels(); }
  size_t obs_bytes() const { return kObsSide * kObsSide * static_cast<size_t>(obs_channels()); }
  const PoolOptions& options() const { return opts_; }
  const Game& game() const { return *game_; }
  int num_threads() const { return pool_.num_threads(); }
  // Threads that step a batch of n envs (the caller's included): fewer than num_threads()
  // for small batches, which are not worth a worker.
  int threads_for(int n) const {
    const int chunk = chunk_size(n);
    return std::clamp((n + chunk - 1) / chunk, 1, num_threads());
  }

  // Steps every env with its action and writes all rows of `out`.
  // Throws ActionError (nothing steps then) unless there is one action per env, each in
  // [0, kNumActions).
  void step(std::span<const int32_t> actions, const BatchView& out);
  // Steps only the envs in `env_ids` (async batches); row j of `out` belongs to env_ids[j].
  // Throws ActionError (nothing steps then) unless every action is valid (checked first) and
  // the ids are distinct and in [0, num_envs).
  void step_subset(std::span<const int32_t> env_ids, std::span<const int32_t> actions,
                   const BatchView& out);

  // The pieces of a step for callers that run batches themselves (the doorbell's stream of
  // async batches, engine/server/step_stream.h): check_step validates a batch as step and
  // step_subset do (empty env_ids: every env, row i for env i); step_rows then steps rows
  // [begin, end) of it, from any thread, on the pool's threads() in chunks of chunk_size(n).
  // Two batches stepped at once must name different envs.
  void check_step(std::span<const int32_t> env_ids, std::span<const int32_t> actions) {
    check_batch(!env_ids.empty(), env_ids, actions);
  }
  void step_rows(std::span<const int32_t> env_ids, std::span<const int32_t> actions, const BatchView& out, int begin,
                 int end);
  ThreadPool& threads() { return pool_; }
  int chunk_size(int n) const;

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
  // The one place a batch is validated: the count, the actions, then (for a subset) the env
  // ids. Throws ActionError naming the first offender.
  void check_batch(bool subset, std::span<const int32_t> env_ids, std::span<const int32_t> actions);
  // The one env id check (steps and states): in [0, num_envs), and each once when `distinct`.
  // Throws ActionError (EnvIdOutOfRange, EnvIdRepeated) naming the position of the first bad id.
  void check_env_ids(std::span<const int32_t> ids, bool distinct);
  void write_row(int env_index, int row, const StepResult& r, uint32_t prev_level_seed, const BatchView& out);

  PoolOptions opts_;
  const Game* game_;
  std::vector<std::unique_ptr<Env>> envs_;
  ThreadPool pool_;
  std::vector<uint8_t> id_seen_;  // check_env_ids' duplicate test, kept to allocate nothing per step
};

}  // namespace coinrun
