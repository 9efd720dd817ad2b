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
#include "session_worker.h"

namespace coinrun {
namespace {

using Handler = void (RequestHandlers::*)(const Request&);

}  // namespace

uint64_t EngineInfo::uptime_ms() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

RequestHandlers::RequestHandlers(Listener& listener, Outbox& outbox, SpectatorRenderer& renderer,
                                 SessionRegistry& sessions, const EngineInfo& engine)
    : listener_(listener), outbox_(outbox), renderer_(renderer), sessions_(sessions), engine_(engine) {}

void RequestHandlers::handle(std::unique_ptr<InboundRequest> in) {
  Request& req = in->req;
  try {
    listener_.open(in->frames, req);
    if (SessionHandlers::handles(req.type)) {
      // The session's worker answers it (NO_SESSION is answered here).
      Session& s = sessions_.find(req.fields());
      s.post(std::move(in));
      return;
    }
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
  static constexpr std::array<Route, 6> kRoutes = {{
      {"hello", &RequestHandlers::on_hello},
      {"create", &RequestHandlers::on_create},
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
  valid += ", reset, step, render, get_state, set_state";
  throw ProtocolError(ErrorCode::UnknownType, "unknown request type '" + std::string(req.type) + "'",
                      "use one of " + valid);
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
  try {
    s.attach_worker(std::make_unique<SessionWorker>(s, outbox_, render_sizes_, renderer_));
  } catch (...) {
    sessions_.close(s.id(), "no worker thread");
    throw;
  }
  MapWriter w = replies_.begin(req.id, "create_ok");
  write_create(w, s);
  if (engine_.log_level >= 1) {
    std::cerr << "coinrun-engine: session " << std::hex << s.id() << std::dec << " created: "
              << s.pool().options().game << " x" << s.num_envs() << " ("
              << transport_name(s.transport()) << ")\n";
  }
  send(req, w.finish());
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
