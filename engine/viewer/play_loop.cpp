#include "play_loop.h"

#include "core/game_registry.h"
#include "core/level_sampler.h"

namespace coinrun::viewer {

PoolOptions viewer_options(const OptionMap& values) {
  PoolOptions base;
  // §10.9: keyboard play has velocity painting off unless asked for.
  base.paint_vel_info = 0;
  PoolOptions o = parse_pool_options(values, base);
  o.num_envs = 1;
  o.num_threads = 1;
  o.autoreset = AutoresetMode::NextStep;
  return o;
}

PlayLoop::PlayLoop(PoolOptions opts, std::optional<uint32_t> fixed_level) {
  reset_options(std::move(opts), fixed_level);
}

void PlayLoop::reset_options(PoolOptions opts, std::optional<uint32_t> fixed_level) {
  opts.num_envs = 1;
  opts.autoreset = AutoresetMode::NextStep;
  validate(opts);
  opts_ = std::move(opts);
  fixed_level_ = fixed_level;
  const Game* game = find_game(opts_.game);
  // The Env constructor starts an episode from the sampler; restart on the chosen level.
  env_.emplace(*game, opts_, make_level_table(opts_.num_levels, opts_.set_seed), 0);
  if (fixed_level_) {
    env_->reseed(opts_.seed);  // keeps the §7.2 first-episode zoom for the fixed level
    env_->start_episode(*fixed_level_);
  }
  begin_record();
}

void PlayLoop::start(std::optional<uint32_t> level) {
  env_->start_episode(level);
  begin_record();
}

void PlayLoop::begin_record() {
  current_ = EpisodeRecord{};
  current_.options = opts_;
  current_.level_seed = env_->state().level_seed;
  current_.zoom = env_->state().zoom;
}

void PlayLoop::new_episode() { start(fixed_level_); }

void PlayLoop::set_fixed_level(std::optional<uint32_t> level) {
  fixed_level_ = level;
  start(fixed_level_);
}

StepResult PlayLoop::tick(int action) {
  if (env_->awaiting_reset()) {
    start(fixed_level_);
    return StepResult{};
  }
  const StepResult r = env_->step(action);
  current_.actions.push_back(action);
  if (r.done()) {
    EpisodeResult res;
    res.length = r.episode_length;
    res.episode_return = r.episode_return;
    res.terminated = r.terminated;
    res.truncated = r.truncated;
    res.level_complete = r.prev_level_complete;
    const Agent& a = env_->state().agent;
    res.has_agent = true;
    res.x = a.x;
    res.y = a.y;
    res.vx = a.vx;
    res.vy = a.vy;
    current_.result = res;
    last_finished_ = current_;
    ++episodes_finished_;
  }
  return r;
}

void PlayLoop::advance_zoom() {
  if (!target_zoom_) return;
  // §7.2: zoom <- 0.9 zoom + 0.1 target on every drawn frame.
  constexpr float kZoomKeep = 0.9f;
  float& z = env_->mutable_state().zoom;
  z = kZoomKeep * z + (1.0f - kZoomKeep) * *target_zoom_;
}

void PlayLoop::set_zoom(float zoom) {
  env_->mutable_state().zoom = zoom;
  current_.zoom = zoom;
}

}  // namespace coinrun::viewer
