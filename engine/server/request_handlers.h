#pragma once
// The request thread's side of each message (docs/protocol.md, "Messages"): requests about
// the engine (hello, create, list_sessions, ping, close, shutdown) run here; requests of one
// session (session_handlers.h) are handed to that session's worker, so they never wait for
// another session's steps. Every failure becomes an error reply; nothing is fatal.
#include <zmq.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "listener.h"
#include "outbox.h"
#include "reply_encoding.h"
#include "request.h"
#include "session_handlers.h"
#include "session_registry.h"
#include "spectator_renderer.h"

namespace coinrun {

// What the handlers need to know about the engine that runs them.
struct EngineInfo {
  uint32_t pid = 0;
  std::string hostname;
  Clock::time_point start = Clock::now();
  int default_threads = 0;  // num_threads for sessions that leave it at 0 (auto)
  int log_level = 1;

  uint64_t uptime_ms() const;
};

class RequestHandlers {
 public:
  // All five must outlive the handlers. Session workers reply through `outbox` and hand
  // spectators' frames to `renderer`.
  RequestHandlers(Listener& listener, Outbox& outbox, SpectatorRenderer& renderer, SessionRegistry& sessions,
                  const EngineInfo& engine);

  // Opens one message from the listener (identity frame first) and runs it here or hands it
  // to its session's worker; answers it here when it fails before that.
  void handle(std::unique_ptr<InboundRequest> in);
  bool shutdown_requested() const { return shutdown_requested_; }

 private:
  void dispatch(const Request& req);
  void on_hello(const Request& req);
  void on_create(const Request& req);
  void on_list_sessions(const Request& req);
  void on_ping(const Request& req);
  void on_close(const Request& req);
  void on_shutdown(const Request& req);

  void send(const Request& req, const msgpack::sbuffer& map) { listener_.send(req, map); }

  Listener& listener_;
  Outbox& outbox_;
  SpectatorRenderer& renderer_;
  SessionRegistry& sessions_;
  const EngineInfo& engine_;
  ReplyEncoder replies_;
  RenderSizeCap render_sizes_;
  bool shutdown_requested_ = false;
};

}  // namespace coinrun
