#include "session_handlers.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <string>

namespace coinrun {
namespace {

// Each new render size makes the renderer build (and keep) sprites scaled for it; capping the
// number of sizes bounds that memory so no client can grow the engine without limit.
constexpr size_t kMaxRenderSizes = 32;

// The request types that name a session and run on its worker.
constexpr std::array<std::string_view, 5> kSessionTypes = {"reset", "step", "render", "get_state", "set_state"};

// The fields a `step_ok` reply adds after `seq` and `slot`: one place for a step run in
// order (SessionHandlers::step) and for the last step of the doorbell's stream (its retry).
void add_step_fields(MapWriter& reply, int64_t n, uint64_t step_us) {
  reply.add("n", n).add("step_us", static_cast<int64_t>(step_us));
}

}  // namespace

void RenderSizeCap::admit(int64_t w_px, int64_t h_px) {
  for (int64_t v : {w_px, h_px}) {
    if (v < kMinRenderSide || v > kMaxRenderSide) {
      throw ProtocolError(ErrorCode::BadMessage,
                          "render size " + std::to_string(v) + " is out of range [" +
                              std::to_string(kMinRenderSide) + ", " +
                              std::to_string(kMaxRenderSide) + "]",
                          "ask for 512 x 512 (the default)");
    }
  }
  std::lock_guard lock(mu_);
  if (!sizes_.contains({w_px, h_px})) {
    if (sizes_.size() >= kMaxRenderSizes) {
      throw ProtocolError(ErrorCode::Resource,
                          "this engine has already rendered " + std::to_string(kMaxRenderSizes) +
                              " different frame sizes, its limit",
                          "render at a size used before (e.g. 512 x 512) or start a new engine");
    }
    sizes_.insert({w_px, h_px});
  }
}

SessionHandlers::SessionHandlers(Session& s, ReplySink& sink, RenderSizeCap& render_sizes,
                                 SpectatorRenderer& renderer)
    : s_(s), sink_(sink), render_sizes_(render_sizes), renderer_(renderer) {
  if (s.has_doorbell()) stream_.emplace(s);
}

bool SessionHandlers::handles(std::string_view type) {
  for (const std::string_view t : kSessionTypes) {
    if (t == type) return true;
  }
  return false;
}

void SessionHandlers::handle(const Request& req) {
  finish_stream();
  try {
    dispatch(req);
  } catch (...) {
    sink_.send(req, replies_.error(req.id, as_protocol_error(std::current_exception())));
  }
}

void SessionHandlers::dispatch(const Request& req) {
  // Spectators' renders do not count as the owner's activity (they must not keep an
  // abandoned session's lease alive).
  if (req.type == "render") return on_render(req);
  s_.touch();
  if (req.type == "step") return on_step(req);
  if (req.type == "reset") return on_reset(req);
  if (req.type == "get_state") return on_get_state(req);
  if (req.type == "set_state") return on_set_state(req);
  throw ProtocolError(ErrorCode::UnknownType, "request type '" + std::string(req.type) + "' is not a session request",
                      "please report this: the engine routed it wrongly");
}

uint64_t SessionHandlers::step(uint64_t seq, uint32_t slot, int64_t n, std::string_view inline_actions,
                               std::string_view inline_env_ids, MapWriter& reply) {
  const auto t0 = Clock::now();
  s_.step(seq, slot, n, inline_actions, inline_env_ids);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  add_step_fields(reply, n, static_cast<uint64_t>(us));
  return static_cast<uint64_t>(us);
}

void SessionHandlers::on_step(const Request& req) {
  sequenced(req, "step_ok", [&](uint64_t seq, uint32_t slot, MapWriter& w) {
    const int64_t n = req.fields().opt_int("n").value_or(s_.num_envs());
    std::string_view actions, env_ids;
    if (s_.transport() == Transport::Inline) {
      if (!req.payload.empty()) actions = req.payload[0];
      if (req.payload.size() > 1) env_ids = req.payload[1];
    }
    step(seq, slot, n, actions, env_ids, w);
  });
}

bool SessionHandlers::handle_doorbell() {
  DoorbellBlock& d = s_.doorbell();
  const uint64_t posts = shared(d.posts).load(std::memory_order_acquire);
  if (posts <= bell_taken_) return false;
  s_.touch();
  // A client keeps at most kDoorbellDepth - 1 posts unanswered: take at most that many (the
  // count also keeps a post number near 2^64 from wrapping the loop around).
  const uint64_t count = std::min<uint64_t>(posts - bell_taken_, kDoorbellDepth - 1);
  for (uint64_t p = posts - count + 1, left = count; left > 0; ++p, --left) {
    const DoorbellEntry& e = d.entries[p % kDoorbellDepth];
    const uint64_t seq = shared(e.seq).load(std::memory_order_relaxed);
    const auto slot = static_cast<int64_t>(shared(e.slot).load(std::memory_order_relaxed));
    const auto n = static_cast<int64_t>(shared(e.n).load(std::memory_order_relaxed));
    if (bell_failed_seq_ == 0 && stream_->try_start(p, seq, static_cast<uint32_t>(slot), n)) continue;
    finish_stream();
    run_doorbell_entry(d, p, seq, slot, n);
  }
  bell_taken_ = posts;
  return true;
}

bool SessionHandlers::run_stream_chunk() {
  return stream_ && stream_->pending() && s_.pool().threads().run_one_chunk();
}

void SessionHandlers::finish_stream() {
  if (!stream_ || !stream_->pending()) return;
  const StepStream::Finished f = stream_->finish();
  if (f.seq) {
    s_.stepped(*f.seq, f.slot, f.n);
    // The reply a `step` retry of that seq over ZeroMQ gets, as fill_slot writes it for a
    // step run in order.
    MapWriter w = replies_.begin(0, "step_ok");
    w.add("seq", static_cast<int64_t>(*f.seq)).add("slot", static_cast<int64_t>(f.slot));
    add_step_fields(w, f.n, f.step_us);
    const msgpack::sbuffer& m = w.finish();
    s_.cache_reply(m.data(), m.size(), f.slot, false);
  }
  if (f.failed_seq != 0) bell_failed_seq_ = f.failed_seq;
}

void SessionHandlers::run_doorbell_entry(DoorbellBlock& d, uint64_t post, uint64_t seq, int64_t slot, int64_t n) {
  auto status = DoorbellStatus::Ok;
  uint64_t us = 0;
  const msgpack::sbuffer* error = nullptr;
  if (bell_failed_seq_ != 0 && seq > bell_failed_seq_ && s_.last_seq() < bell_failed_seq_) {
    // Posted behind a step that failed, before the client knew: run nothing, as a ZeroMQ
    // request after a failed one would fail its sequence check.
    status = DoorbellStatus::Cancelled;
  } else {
    try {
      // The doorbell has no request id (0); caching its reply keeps a `step` retry over
      // ZeroMQ in step with the seq the doorbell just used.
      fill_slot(0, "step_ok", static_cast<int64_t>(seq), slot, [&](uint64_t q, uint32_t sl, MapWriter& w) {
        us = step(q, sl, n, {}, {}, w);
      });
      bell_failed_seq_ = 0;
    } catch (...) {
      error = &replies_.error(0, as_protocol_error(std::current_exception()));
      bell_failed_seq_ = seq;
      status = DoorbellStatus::Error;
    }
  }
  // n is the client's word, refused or not: clamped before it narrows to int.
  const auto batch = static_cast<int>(std::clamp<int64_t>(n, 1, s_.num_envs()));
  answer_doorbell_post(d, post, status, us, static_cast<uint32_t>(s_.pool().threads_for(batch)), error);
  signal(d.answer_signal, d.client_sleeping);
}

void SessionHandlers::on_reset(const Request& req) {
  sequenced(req, "reset_ok", [&](uint64_t seq, uint32_t slot, MapWriter& w) {
    const Fields f = req.fields();
    std::optional<uint32_t> seed;
    if (auto v = f.opt_int("seed")) {
      if (*v < 0 || *v > static_cast<int64_t>(UINT32_MAX)) {
        throw ProtocolError(ErrorCode::BadOption,
                            "reset seed " + std::to_string(*v) + " is out of range [0, 2^32)",
                            "use a seed in [0, 4294967295]");
      }
      seed = static_cast<uint32_t>(*v);
    }
    std::optional<std::string_view> mask = f.opt_bin("mask");
    std::vector<uint32_t> level_seeds;
    if (const msgpack::object* a = f.opt_array("level_seeds")) {
      level_seeds.reserve(a->via.array.size);
      for (uint32_t i = 0; i < a->via.array.size; ++i) {
        const auto& e = a->via.array.ptr[i];
        if (e.type != msgpack::type::POSITIVE_INTEGER || e.via.u64 > UINT32_MAX) {
          throw ProtocolError(ErrorCode::BadOption,
                              "level_seeds[" + std::to_string(i) + "] is not an integer in [0, 2^32)",
                              "send non-negative 32-bit level seeds");
        }
        level_seeds.push_back(static_cast<uint32_t>(e.via.u64));
      }
    }
    s_.reset(seq, slot, seed, mask, std::move(level_seeds));
    w.add("n", s_.num_envs());
  });
}

void SessionHandlers::on_render(const Request& req) {
  const Fields f = req.fields();
  const int64_t env = f.get_int("env");
  if (env < 0 || env >= s_.num_envs()) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "env " + std::to_string(env) + " is out of range [0, " +
                            std::to_string(s_.num_envs()) + ")",
                        "pick an env index below num_envs (see list_sessions)",
                        {{"env", env, {}}, {"num_envs", s_.num_envs(), {}}});
  }
  const int64_t w_px = f.opt_int("width").value_or(kDefaultRenderSide);
  const int64_t h_px = f.opt_int("height").value_or(kDefaultRenderSide);
  render_sizes_.admit(w_px, h_px);
  // A copy of the state between two steps; the renderer's thread draws it and answers.
  renderer_.post(req, s_.pool().env(static_cast<int>(env)).snapshot(), static_cast<int>(w_px),
                 static_cast<int>(h_px));
}

}  // namespace coinrun
