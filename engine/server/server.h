#pragma once
// The ROUTER poll loop: receive a request, decode and validate it, hand it to its session,
// reply. Errors become error replies (docs/protocol.md); nothing a client sends can make the
// engine exit. Between requests the loop reclaims sessions of dead clients, bumps
// heartbeats, and stops when asked to, on a signal, or when the parent process dies.
#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <set>
#include <vector>

#include "protocol.h"
#include "session.h"

namespace coinrun {

struct ServerOptions {
  std::string bind;
  int default_threads = 0;  // num_threads for sessions that leave it at 0 (auto)
  int parent_pid = 0;       // exit when this process dies (0 = never)
  bool allow_remote = false;
  // When set, every request must carry this `token`; required for non-loopback tcp binds.
  std::string token;
  int log_level = 1;  // 0 quiet, 1 info, 2 debug
};

// Rewrites `tcp://*:P` to loopback unless remote access is allowed; throws
// std::invalid_argument for endpoints that are not ipc://, tcp:// or inproc://.
std::string resolve_bind_endpoint(const std::string& endpoint, bool allow_remote);

class Server {
 public:
  explicit Server(ServerOptions opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The endpoint actually bound (with the port chosen for tcp://...:0).
  const std::string& endpoint() const { return endpoint_; }
  // Serves until shutdown, a stop request, or the parent's death. Returns the exit status.
  int run();
  // Asks run() to return at its next poll tick (async-signal-safe through an atomic).
  static void request_stop();

 private:
  struct Request;
  void handle(const std::vector<zmq::message_t>& frames, size_t first);
  void dispatch(const Request& req);
  void on_hello(const Request& req);
  void on_create(const Request& req);
  void on_reset(const Request& req);
  void on_step(const Request& req);
  void on_render(const Request& req);
  void on_get_state(const Request& req);  // server_state.cpp
  void on_set_state(const Request& req);  // server_state.cpp
  void on_list_sessions(const Request& req);
  void on_ping(const Request& req);
  void on_close(const Request& req);
  void on_shutdown(const Request& req);
  Session& session_of(const Request& req);
  bool replay_if_retry(const Request& req, Session& s, int64_t seq);

  void send_reply(const Request& req, const msgpack::sbuffer& map,
                  std::span<const uint8_t> payload = {});
  void send_error(const Request& req, const ProtocolError& e);
  const msgpack::sbuffer& encode_error(int64_t id, const ProtocolError& e);
  void handle_doorbell(Session& s);
  MapWriter reply(const Request& req, std::string_view type);

  void tick();
  bool parent_alive() const;
  uint64_t uptime_ms() const;
  void close_session(uint64_t id, const char* why);

  ServerOptions opts_;
  zmq::context_t ctx_;
  zmq::socket_t sock_;
  std::string endpoint_;
  std::map<uint64_t, std::unique_ptr<Session>> sessions_;
  std::mt19937_64 id_rng_;
  uint32_t next_session_ = 1;
  bool stopping_ = false;
  uint32_t pid_;
  std::string hostname_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_tick_ = Clock::now();

  // Reused across requests: no allocation per step once they have grown.
  std::vector<zmq::message_t> frames_;
  std::vector<zmq::pollitem_t> items_;
  std::vector<Session*> item_sessions_;
  msgpack::sbuffer body_;
  msgpack::sbuffer out_;
  std::vector<uint8_t> render_buf_;
  // Distinct render sizes served so far: the renderer keeps scaled sprites per size for the
  // engine's lifetime, so their number is capped (docs/reliability.md).
  std::set<std::pair<int64_t, int64_t>> render_sizes_;
};

}  // namespace coinrun
