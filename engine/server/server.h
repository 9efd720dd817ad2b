#pragma once
// The engine's request thread: poll the listener and the outbox, hand each message to the
// request handlers, send the replies that session workers queued, and between requests
// reclaim the sessions of dead clients, bump heartbeats, and stop when asked to, on a
// signal, or when the parent process dies. Errors become error replies (docs/protocol.md);
// nothing a client sends can make the engine exit.
//
// The parts, one responsibility each: listener.h (socket, envelope, authentication),
// session_registry.h (live sessions and their quota), request_handlers.h (engine requests,
// routing), session_worker.h (a thread per session, its doorbell too), session_handlers.h
// (what a session's requests do), spectator_renderer.h (spectators' frames, drawn on a thread
// of their own), outbox.h (replies from other threads), reply_encoding.h
// (how replies are written), create_request.h (reading `create`).
#include <zmq.hpp>

#include <vector>

#include "listener.h"
#include "request_handlers.h"
#include "session_registry.h"

namespace coinrun {

struct ServerOptions {
  std::string bind;
  int default_threads = 0;  // num_threads for sessions that leave it at 0 (auto)
  int parent_pid = 0;       // exit when this process dies (0 = never)
  bool allow_remote = false;
  // When set, every request must carry this `token`; required for non-loopback tcp binds.
  std::string token;
  // When set (Z85), the socket is a CURVE server with this secret key (curve_keys.h);
  // required for non-loopback tcp binds.
  std::string curve_secret;
  int log_level = 1;  // 0 quiet, 1 info, 2 debug
};

class Server {
 public:
  explicit Server(ServerOptions opts);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The endpoint actually bound (with the port chosen for tcp://...:0).
  const std::string& endpoint() const { return listener_.endpoint(); }
  // Serves until shutdown, a stop request, or the parent's death. Returns the exit status.
  int run();
  // Asks run() to return at its next poll tick (async-signal-safe through an atomic).
  static void request_stop();

 private:
  bool parent_alive() const;
  void tick();

  ServerOptions opts_;
  EngineInfo engine_;
  Clock::time_point last_tick_ = engine_.start;
  Listener listener_;
  Outbox outbox_;
  SpectatorRenderer renderer_;  // after the outbox: replies into it until it stops
  SessionRegistry sessions_;    // after both: workers use them until they stop
  RequestHandlers handlers_;

  std::vector<std::vector<zmq::message_t>> replies_;  // reused across wake-ups
};

}  // namespace coinrun
