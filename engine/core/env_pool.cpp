#include "env_pool.h"

#include <algorithm>
#include <string>
#include <thread>

#include "game_registry.h"

namespace coinrun {
namespace {

// Row `row` of the optional final-observation column.
uint8_t* final_row(const BatchView& out, int row) {
  return out.final_obs ? out.final_obs + static_cast<size_t>(row) * out.obs_env_stride : nullptr;
}

int resolve_threads(const PoolOptions& o) {
  if (o.num_threads > 0) return o.num_threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(hw == 0 ? 1u : hw, 1u, 64u));
}

const Game& checked_game(const PoolOptions& o) {
  validate(o);
  return *find_game(o.game);
}

}  // namespace

EnvPool::EnvPool(const PoolOptions& opts)
    : opts_(opts), game_(&checked_game(opts)), pool_(std::min(resolve_threads(opts), opts.num_envs)) {
  auto table = make_level_table(opts_.num_levels, opts_.set_seed);
  envs_.reserve(static_cast<size_t>(opts_.num_envs));
  for (int i = 0; i < opts_.num_envs; ++i) {
    envs_.push_back(std::make_unique<Env>(*game_, opts_, table, i));
  }
}

int EnvPool::chunk_size(int n) const {
  // A batch this small runs on the calling thread alone: waking a sleeping worker costs tens
  // of microseconds on a busy machine, more than such a batch takes.
  constexpr int kOneThreadUpTo = 16;
  if (n <= kOneThreadUpTo) return std::max(1, n);
  // Otherwise small chunks, handed out from one counter: when another process takes a
  // worker's core in the middle of a batch, the other workers take what it has not started,
  // so the batch waits at most for the few envs it holds, not for a large share of the batch.
  constexpr int kMinChunk = 4;
  return std::max(kMinChunk, n / (pool_.num_threads() * 16));
}

void EnvPool::check_batch(bool subset, std::span<const int32_t> env_ids,
                          std::span<const int32_t> actions) {
  const size_t want = subset ? env_ids.size() : static_cast<size_t>(num_envs());
  if (actions.size() != want) {
    throw ActionError(BatchErrorKind::WrongCount,
                      subset ? "expected one action per env id (" + std::to_string(want) + "), got " +
                                   std::to_string(actions.size())
                             : "expected " + std::to_string(want) + " actions, got " +
                                   std::to_string(actions.size()),
                      -1, static_cast<int64_t>(actions.size()), static_cast<int64_t>(want));
  }
  for (size_t j = 0; j < actions.size(); ++j) {
    const int32_t a = actions[j];
    if (a < 0 || a >= kNumActions) {
      const int env = subset ? env_ids[j] : static_cast<int>(j);
      throw ActionError(BatchErrorKind::BadAction,
                        "invalid action " + std::to_string(a) + " for env " + std::to_string(env) +
                            ": valid actions are 0.." + std::to_string(kNumActions - 1),
                        env, a, kNumActions);
    }
  }
  if (subset) check_env_ids(env_ids, true);
}

void EnvPool::check_env_ids(std::span<const int32_t> ids, bool distinct) {
  const int num = num_envs();
  if (distinct) id_seen_.assign(static_cast<size_t>(num), 0);
  for (size_t j = 0; j < ids.size(); ++j) {
    const int32_t e = ids[j];
    if (e < 0 || e >= num) {
      throw ActionError(BatchErrorKind::EnvIdOutOfRange,
                        "env id " + std::to_string(e) + " at position " + std::to_string(j) +
                            " is out of range [0, " + std::to_string(num) + ")",
                        static_cast<int>(j), e, num);
    }
    if (distinct && id_seen_[static_cast<size_t>(e)]++) {
      throw ActionError(BatchErrorKind::EnvIdRepeated,
                        "env id " + std::to_string(e) + " at position " + std::to_string(j) +
                            " appears twice in one batch",
                        static_cast<int>(j), e, num);
    }
  }
}

void EnvPool::write_row(int env_index, int row, const StepResult& r, uint32_t prev_level_seed,
                        const BatchView& out) {
  Env& e = env(env_index);
  e.observe(out.obs + static_cast<size_t>(row) * out.obs_env_stride);
  out.reward[row] = r.reward;
  out.terminated[row] = r.terminated;
  out.truncated[row] = r.truncated;
  if (out.done) out.done[row] = r.done();
  if (out.level_seed) out.level_seed[row] = e.state().level_seed;
  if (out.prev_level_seed) out.prev_level_seed[row] = prev_level_seed;
  if (out.prev_level_complete) out.prev_level_complete[row] = r.prev_level_complete;
  if (out.episode_return) out.episode_return[row] = r.episode_return;
  if (out.episode_length) out.episode_length[row] = r.episode_length;
}

void EnvPool::step_rows(std::span<const int32_t> env_ids, std::span<const int32_t> actions, const BatchView& out,
                        int begin, int end) {
  for (int j = begin; j < end; ++j) {
    const int i = env_ids.empty() ? j : env_ids[static_cast<size_t>(j)];
    Env& e = env(i);
    const uint32_t played = e.state().level_seed;
    write_row(i, j, e.step(actions[static_cast<size_t>(j)], final_row(out, j)), played, out);
  }
}

void EnvPool::step(std::span<const int32_t> actions, const BatchView& out) {
  check_batch(false, {}, actions);
  const int n = num_envs();
  pool_.parallel_for(n, chunk_size(n), [&](int begin, int end) { step_rows({}, actions, out, begin, end); });
}

void EnvPool::step_subset(std::span<const int32_t> env_ids, std::span<const int32_t> actions,
                          const BatchView& out) {
  check_batch(true, env_ids, actions);
  const int n = static_cast<int>(env_ids.size());
  pool_.parallel_for(n, chunk_size(n), [&](int begin, int end) { step_rows(env_ids, actions, out, begin, end); });
}

void EnvPool::reset(const BatchView& out, std::optional<uint32_t> seed,
                    std::span<const uint8_t> mask, std::span<const uint32_t> level_seeds) {
  const int n = num_envs();
  if (!mask.empty() && static_cast<int>(mask.size()) != n) {
    throw OptionError("reset mask has " + std::to_string(mask.size()) + " entries, expected " +
                      std::to_string(n));
  }
  // Map each selected env to its entry of level_seeds, checked before anything changes.
  std::vector<int> seed_index(static_cast<size_t>(n), -1);
  int selected = 0;
  for (int i = 0; i < n; ++i) {
    if (mask.empty() || mask[static_cast<size_t>(i)]) seed_index[static_cast<size_t>(i)] = selected++;
  }
  if (!level_seeds.empty() && static_cast<int>(level_seeds.size()) != selected) {
    throw OptionError("reset got " + std::to_string(level_seeds.size()) +
                      " level seeds for " + std::to_string(selected) + " envs");
  }
  pool_.parallel_for(n, chunk_size(n), [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      const int k = seed_index[static_cast<size_t>(i)];
      if (k < 0) continue;
      Env& e = env(i);
      if (seed) e.reseed(*seed);
      std::optional<uint32_t> lvl;
      if (!level_seeds.empty()) lvl = level_seeds[static_cast<size_t>(k)];
      e.start_episode(lvl);
      e.observe(out.obs + static_cast<size_t>(i) * out.obs_env_stride);
      write_unstepped_columns(out, static_cast<size_t>(i), e.state().level_seed);
    }
  });
}

void EnvPool::observe_all(const BatchView& out) {
  const int n = num_envs();
  pool_.parallel_for(n, chunk_size(n), [&](int begin, int end) {
    for (int i = begin; i < end; ++i) env(i).observe(out.obs + static_cast<size_t>(i) * out.obs_env_stride);
  });
}

}  // namespace coinrun
