#pragma once
// What each request does (docs/protocol.md, "Messages"): one handler per request type, the
// shared path of the sequenced requests that fill a ring slot (reset, step, set_state and
// the doorbell step), and the mapping of every failure to an error reply. A request that
// fails changes nothing and is answered, never fatal to the engine.
#include <zmq.hpp>

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "listener.h"
#include "reply_encoding.h"
#include "request.h"
#include "session_registry.h"

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
  // All three must outlive the handlers.
  RequestHandlers(Listener& listener, SessionRegistry& sessions, const EngineInfo& engine);

  // Opens, runs and answers one message from the listener (identity frame first).
  void handle(const std::vector<zmq::message_t>& frames);
  // A step rung through the session's doorbell FIFO instead of a `step` message: the same
  // checks and work, answered through the doorbell block.
  void handle_doorbell(Session& s);
  bool shutdown_requested() const { return shutdown_requested_; }

 private:
  void dispatch(const Request& req);
  void on_hello(const Request& req);
  void on_create(const Request& req);
  void on_reset(const Request& req);
  void on_step(const Request& req);
  void on_render(const Request& req);
  void on_get_state(const Request& req);  // state_handlers.cpp
  void on_set_state(const Request& req);  // state_handlers.cpp
  void on_list_sessions(const Request& req);
  void on_ping(const Request& req);
  void on_close(const Request& req);
  void on_shutdown(const Request& req);

  // A sequenced request that arrived as a message: a retry of the session's last seq gets
  // the cached reply again; anything else runs through fill_slot and is answered with its
  // reply (plus the slot's bytes for the inline transport).
  template <typename Fill>
  void sequenced(const Request& req, std::string_view ok_type, Fill&& fill);
  // Checks seq and slot, lets `fill(session, seq, slot, reply)` do the work and add its
  // reply fields after `seq` and `slot`, and caches the reply for a retry.
  template <typename Fill>
  const msgpack::sbuffer& fill_slot(Session& s, int64_t id, std::string_view ok_type, int64_t seq,
                                    int64_t slot, Fill&& fill);
  // Steps the session (n envs, actions from the slot or the inline frames) and adds `n` and
  // `step_us` to the reply; returns the step's time in microseconds.
  uint64_t step(Session& s, uint64_t seq, uint32_t slot, int64_t n, std::string_view inline_actions,
                std::string_view inline_env_ids, MapWriter& reply);
  void send(const Request& req, const msgpack::sbuffer& map, std::span<const uint8_t> payload = {}) {
    listener_.send(req, map, payload);
  }

  Listener& listener_;
  SessionRegistry& sessions_;
  const EngineInfo& engine_;
  ReplyEncoder replies_;
  bool shutdown_requested_ = false;
  std::vector<uint8_t> render_buf_;
  // Distinct render sizes served so far: the renderer keeps scaled sprites per size for the
  // engine's lifetime, so their number is capped (docs/reliability.md).
  std::set<std::pair<int64_t, int64_t>> render_sizes_;
};

template <typename Fill>
const msgpack::sbuffer& RequestHandlers::fill_slot(Session& s, int64_t id, std::string_view ok_type,
                                                   int64_t seq, int64_t slot, Fill&& fill) {
  s.check_sequence(seq, slot);
  MapWriter w = replies_.begin(id, ok_type);
  w.add("seq", seq).add("slot", slot);
  fill(s, static_cast<uint64_t>(seq), static_cast<uint32_t>(slot), w);
  const msgpack::sbuffer& m = w.finish();
  s.cache_reply(m.data(), m.size(), static_cast<uint32_t>(slot), s.transport() == Transport::Inline);
  return m;
}

template <typename Fill>
void RequestHandlers::sequenced(const Request& req, std::string_view ok_type, Fill&& fill) {
  const Fields f = req.fields();
  Session& s = sessions_.find(f);
  s.touch();
  const int64_t seq = f.get_int("seq");
  if (seq == static_cast<int64_t>(s.last_seq()) && !s.cached_reply().empty()) {
    const std::span<const uint8_t> payload =
        s.cached_has_payload() ? s.slot_bytes(s.cached_slot()) : std::span<const uint8_t>{};
    listener_.send(req, std::span<const char>(s.cached_reply()), payload);
    return;
  }
  const int64_t slot = f.get_int("slot");
  const msgpack::sbuffer& m = fill_slot(s, req.id, ok_type, seq, slot, std::forward<Fill>(fill));
  const bool with_slot = s.transport() == Transport::Inline;
  send(req, m, with_slot ? s.slot_bytes(static_cast<uint32_t>(slot)) : std::span<const uint8_t>{});
}

}  // namespace coinrun
