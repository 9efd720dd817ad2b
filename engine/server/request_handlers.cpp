#include "request_handlers.h"

#include <array>
#include <chrono>
#include <exception>
#include <iostream>
#include <new>
#include <optional>
#include <string>

#include "core/options.h"
#include "create_request.h"
#include "shm_segment.h"

namespace coinrun {
namespace {

// Each new render size makes the renderer build (and keep) sprites scaled for it; capping the
// number of sizes bounds that memory so no client can grow the engine without limit.
constexpr size_t kMaxRenderSizes = 32;

// The error reply for whatever a request threw: its own ProtocolError, or the code that
// fits the exception.
ProtocolError as_protocol_error(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const ProtocolError& e) {
    return e;
  } catch (const OptionError& e) {
    return ProtocolError(ErrorCode::BadOption, e.what(), "see the option schema in the hello reply");
  } catch (const ShmError& e) {
    return ProtocolError(ErrorCode::Resource, e.what(),
                         "free space in /dev/shm or use fewer envs / a smaller ring_depth");
  } catch (const std::bad_alloc&) {
    return ProtocolError(ErrorCode::Resource, "out of memory", "use fewer envs or a smaller ring_depth");
  } catch (const std::exception& e) {
    return ProtocolError(ErrorCode::Internal, std::string("internal error: ") + e.what(),
                         "please report this with the request that caused it");
  } catch (...) {
    return ProtocolError(ErrorCode::Internal, "internal error: unknown exception",
                         "please report this with the request that caused it");
  }
}

using Handler = void (RequestHandlers::*)(const Request&);

}  // namespace

uint64_t EngineInfo::uptime_ms() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

RequestHandlers::RequestHandlers(Listener& listener, SessionRegistry& sessions, const EngineInfo& engine)
    : listener_(listener), sessions_(sessions), engine_(engine) {}

void RequestHandlers::handle(const std::vector<zmq::message_t>& frames) {
  Request req;
  try {
    listener_.open(frames, req);
    dispatch(req);
  } catch (...) {
    send(req, replies_.error(req.id, as_protocol_error(std::current_exception())));
  }
}

void RequestHandlers::dispatch(const Request& req) {
  struct Route {
    std::string_view type;
    Handler handler;
  };
  static constexpr std::array<Route, 11> kRoutes = {{
      {"hello", &RequestHandlers::on_hello},
      {"create", &RequestHandlers::on_create},
      {"reset", &RequestHandlers::on_reset},
      {"step", &RequestHandlers::on_step},
      {"render", &RequestHandlers::on_render},
      {"get_state", &RequestHandlers::on_get_state},
      {"set_state", &RequestHandlers::on_set_state},
      {"list_sessions", &RequestHandlers::on_list_sessions},
      {"ping", &RequestHandlers::on_ping},
      {"close", &RequestHandlers::on_close},
      {"shutdown", &RequestHandlers::on_shutdown},
  }};
  for (const Route& r : kRoutes) {
    if (r.type == req.type) return (this->*r.handler)(req);
  }
  std::string valid;
  for (const Route& r : kRoutes) valid += (valid.empty() ? "" : ", ") + std::string(r.type);
  throw ProtocolError(ErrorCode::UnknownType, "unknown request type '" + std::string(req.type) + "'",
                      "use one of " + valid);
}

uint64_t RequestHandlers::step(Session& s, uint64_t seq, uint32_t slot, int64_t n,
                               std::string_view inline_actions, std::string_view inline_env_ids,
                               MapWriter& reply) {
  const auto t0 = Clock::now();
  s.step(seq, slot, n, inline_actions, inline_env_ids);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  reply.add("n", n).add("step_us", static_cast<int64_t>(us));
  return static_cast<uint64_t>(us);
}

void RequestHandlers::on_step(const Request& req) {
  sequenced(req, "step_ok", [&](Session& s, uint64_t seq, uint32_t slot, MapWriter& w) {
    const int64_t n = req.fields().opt_int("n").value_or(s.num_envs());
    std::string_view actions, env_ids;
    if (s.transport() == Transport::Inline) {
      if (!req.payload.empty()) actions = req.payload[0];
      if (req.payload.size() > 1) env_ids = req.payload[1];
    }
    step(s, seq, slot, n, actions, env_ids, w);
  });
}

void RequestHandlers::handle_doorbell(Session& s) {
  if (!s.take_doorbell()) return;
  s.touch();
  const DoorbellBlock& d = s.doorbell();
  const auto seq = static_cast<int64_t>(d.seq);
  const int64_t slot = d.slot;
  const int64_t n = d.n;
  try {
    uint64_t us = 0;
    // The doorbell has no request id (0); caching its reply keeps a `step` retry over
    // ZeroMQ in step with the seq the doorbell just used.
    fill_slot(s, 0, "step_ok", seq, slot, [&](Session& session, uint64_t q, uint32_t sl, MapWriter& w) {
      us = step(session, q, sl, n, {}, {}, w);
    });
    s.answer_doorbell(true, nullptr, 0, us);
  } catch (...) {
    const msgpack::sbuffer& m = replies_.error(0, as_protocol_error(std::current_exception()));
    s.answer_doorbell(false, m.data(), m.size(), 0);
  }
}

void RequestHandlers::on_reset(const Request& req) {
  sequenced(req, "reset_ok", [&](Session& s, uint64_t seq, uint32_t slot, MapWriter& w) {
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
    s.reset(seq, slot, seed, mask, std::move(level_seeds));
    w.add("n", s.num_envs());
  });
}

void RequestHandlers::on_hello(const Request& req) {
  if (const msgpack::object* p = req.fields().opt_array("protocol")) {
    int64_t major = -1;
    if (p->via.array.size >= 1 && p->via.array.ptr[0].type == msgpack::type::POSITIVE_INTEGER) {
      major = static_cast<int64_t>(p->via.array.ptr[0].via.u64);
    }
    if (major != kProtocolMajor) {
      throw ProtocolError(ErrorCode::VersionMismatch,
                          "client protocol " + std::to_string(major) +
                              ".x is not supported; this engine speaks " +
                              std::to_string(kProtocolMajor) + "." + std::to_string(kProtocolMinor),
                          "install the matching coinrun package (pip install .) or rebuild the engine",
                          {{"engine", kProtocolMajor, {}}, {"client", major, {}}});
    }
  }
  MapWriter w = replies_.begin(req.id, "hello_ok");
  write_hello(w, engine_.pid);
  send(req, w.finish());
}

void RequestHandlers::on_create(const Request& req) {
  SessionParams params = parse_create_request(req.fields(), engine_.default_threads, engine_.hostname);
  Session& s = sessions_.create(std::move(params));
  MapWriter w = replies_.begin(req.id, "create_ok");
  write_create(w, s);
  if (engine_.log_level >= 1) {
    std::cerr << "coinrun-engine: session " << std::hex << s.id() << std::dec << " created: "
              << s.pool().options().game << " x" << s.num_envs() << " ("
              << transport_name(s.transport()) << ")\n";
  }
  send(req, w.finish());
}

void RequestHandlers::on_render(const Request& req) {
  const Fields f = req.fields();
  Session& s = sessions_.find(f);
  const int64_t env = f.get_int("env");
  if (env < 0 || env >= s.num_envs()) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "env " + std::to_string(env) + " is out of range [0, " +
                            std::to_string(s.num_envs()) + ")",
                        "pick an env index below num_envs (see list_sessions)",
                        {{"env", env, {}}, {"num_envs", s.num_envs(), {}}});
  }
  const int64_t w_px = f.opt_int("width").value_or(kDefaultRenderSide);
  const int64_t h_px = f.opt_int("height").value_or(kDefaultRenderSide);
  for (int64_t v : {w_px, h_px}) {
    if (v < kMinRenderSide || v > kMaxRenderSide) {
      throw ProtocolError(ErrorCode::BadMessage,
                          "render size " + std::to_string(v) + " is out of range [" +
                              std::to_string(kMinRenderSide) + ", " +
                              std::to_string(kMaxRenderSide) + "]",
                          "ask for 512 x 512 (the default)");
    }
  }
  if (!render_sizes_.contains({w_px, h_px})) {
    if (render_sizes_.size() >= kMaxRenderSizes) {
      throw ProtocolError(ErrorCode::Resource,
                          "this engine has already rendered " + std::to_string(kMaxRenderSizes) +
                              " different frame sizes, its limit",
                          "render at a size used before (e.g. 512 x 512) or start a new engine");
    }
    render_sizes_.insert({w_px, h_px});
  }
  render_buf_.resize(static_cast<size_t>(w_px * h_px * 3));
  const Env& e = s.pool().env(static_cast<int>(env));
  e.render(FrameView::packed(render_buf_.data(), static_cast<int>(w_px), static_cast<int>(h_px)));
  MapWriter w = replies_.begin(req.id, "render_ok");
  w.add("width", w_px).add("height", h_px).add("level_seed", e.state().level_seed);
  w.add("episode_return", e.episode_return()).add("episode_length", e.episode_length());
  send(req, w.finish(), render_buf_);
}

void RequestHandlers::on_list_sessions(const Request& req) {
  MapWriter w = replies_.begin(req.id, "sessions");
  write_sessions(w, sessions_, engine_.start);
  send(req, w.finish());
}

void RequestHandlers::on_ping(const Request& req) {
  const Fields f = req.fields();
  if (f.has("session")) sessions_.find(f).touch();
  MapWriter w = replies_.begin(req.id, "pong");
  w.add("uptime_s", static_cast<double>(engine_.uptime_ms()) / 1000.0);
  w.add("sessions", static_cast<uint64_t>(sessions_.size()));
  send(req, w.finish());
}

void RequestHandlers::on_close(const Request& req) {
  Session& s = sessions_.find(req.fields());
  sessions_.close(s.id(), "closed by client");
  send(req, replies_.begin(req.id, "close_ok").finish());
}

void RequestHandlers::on_shutdown(const Request& req) {
  send(req, replies_.begin(req.id, "shutdown_ok").finish());
  shutdown_requested_ = true;
}

}  // namespace coinrun
