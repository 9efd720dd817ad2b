#include "env.h"

#include "option_table.h"

namespace coinrun {

Env::Env(const Game& game, const PoolOptions& opts,
         std::shared_ptr<const std::vector<uint32_t>> level_table, int env_index)
    : game_(&game),
      env_index_(env_index),
      high_difficulty_(opts.high_difficulty),
      default_zoom_(static_cast<float>(opts.default_zoom)),
      autoreset_(opts.autoreset),
      render_{resolve_paint_vel_info(opts), opts.use_data_augmentation, opts.use_black_white},
      style_{opts.use_backgrounds, opts.restrict_themes, opts.use_monochrome_assets,
             opts.center_agent},
      max_age_(opts.max_episode_steps > 0 ? opts.max_episode_steps - 2 : game.info().max_age),
      sequential_levels_(opts.use_sequential_levels),
      sampler_(opts.num_levels, std::move(level_table), static_cast<uint32_t>(opts.start_level)),
      options_(effective_options(opts)) {
  if (render_.use_black_white) rgb_scratch_.resize(kObsSide * kObsSide * 3);
  reseed(opts.seed);
  start_episode();
}

void Env::reseed(uint32_t pool_seed) {
  sampler_.seed(derive_seed(pool_seed, 2 * static_cast<uint64_t>(env_index_)));
  aug_rng_.seed(derive_seed(pool_seed, 2 * static_cast<uint64_t>(env_index_) + 1));
  first_episode_ = true;
}

void Env::start_episode(std::optional<uint32_t> level_seed) {
  const uint32_t seed = level_seed ? *level_seed : sampler_.next();
  game_->generate(seed, high_difficulty_, state_);
  // §7.2 quirk: the creation-time zoom applies to each env's first episode only.
  state_.zoom = first_episode_ ? default_zoom_ : game_->info().zoom;
  first_episode_ = false;
  awaiting_reset_ = false;
  episode_return_ = 0;
  episode_length_ = 0;
}

StepResult Env::step(int action, uint8_t* final_obs) {
  StepResult r;
  if (awaiting_reset_) {
    // NEXT_STEP autoreset: this step only starts the new episode; the action is ignored.
    start_episode();
    return r;
  }
  GameState& s = state_;
  s.clock += 1;
  const bool ending = s.level_over;
  const bool was_complete = s.level_complete;
  const bool was_died = s.died;
  s.pending_reward = 0;
  s.age += 1;
  game_->step(s, action);
  if (s.age > max_age_) s.level_over = true;

  r.reward = s.pending_reward;
  s.pending_reward = 0;
  episode_return_ += r.reward;
  episode_length_ += 1;
  if (ending) {
    // The event happened on the previous step; the extra move above still counted (§5.1).
    r.prev_level_complete = was_complete;
    if (was_complete && sequential_levels_) {
      // Procgen's use_sequential_levels: the episode goes on, on the next level in sequence.
      const float ret = episode_return_;
      const int len = episode_length_;
      start_episode(s.level_seed + 997u);
      episode_return_ = ret;
      episode_length_ = len;
      return r;
    }
    r.terminated = was_complete || was_died;
    r.truncated = !r.terminated;
    r.episode_return = episode_return_;
    r.episode_length = episode_length_;
    if (autoreset_ == AutoresetMode::SameStep) {
      if (final_obs != nullptr) {
        // A stream of its own, as for viewing frames: the agent's observations are the same
        // whether or not the last frame is drawn.
        Rng final_rng(derive_seed(s.level_seed, static_cast<uint64_t>(s.clock)));
        draw_observation(final_obs, final_rng);
      }
      start_episode();
    } else {
      awaiting_reset_ = true;
    }
  }
  return r;
}

void Env::observe(uint8_t* dst) { draw_observation(dst, aug_rng_); }

void Env::draw_observation(uint8_t* dst, Rng& aug_rng) {
  // Grayscale observations are drawn in colour first, then reduced into `dst`.
  uint8_t* scene = render_.use_black_white ? rgb_scratch_.data() : dst;
  const FrameView f = FrameView::packed(scene, kObsSide, kObsSide);
  game_->draw(state_, f, style_);
  finish_observation(render_, state_, aug_rng, f, dst);
}

namespace {

void draw_view(const Game& game, const GameState& state, const SceneStyle& style,
               const ObservationSettings& view, FrameView frame) {
  game.draw(state, frame, style);
  // The viewing frame gets its own rectangles (§7.8), from a stream that observations never
  // use, so watching never changes what the agent sees.
  Rng view_rng(derive_seed(state.level_seed, static_cast<uint64_t>(state.clock)));
  draw_overlays(view, state, view_rng, frame);
}

}  // namespace

void Env::render(FrameView frame) const { draw_view(*game_, state_, style_, render_, frame); }

EnvSnapshot Env::snapshot() const {
  return EnvSnapshot{game_, state_, style_, render_, episode_return_, episode_length_};
}

void EnvSnapshot::render(FrameView frame) const { draw_view(*game, state, style, view, frame); }

}  // namespace coinrun
