#pragma once
// What the requests of one session do (reset, step, set_state, get_state, render, and the
// doorbell step). They run on that session's worker thread (session_worker.h), so sessions
// never wait for each other's steps; a request that fails changes nothing and is answered
// with an error reply, never fatal to the engine or to another session.
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "reply_encoding.h"
#include "reply_sink.h"
#include "request.h"
#include "session.h"
#include "spectator_renderer.h"
#include "step_stream.h"

namespace coinrun {

// The distinct render sizes served by the engine: the renderer keeps scaled sprites per size
// for the engine's lifetime, so their number is capped (docs/reliability.md). Thread-safe.
class RenderSizeCap {
 public:
  // Throws ProtocolError (BadMessage: out of range; Resource: a new size over the cap).
  void admit(int64_t width, int64_t height);

 private:
  std::mutex mu_;
  std::set<std::pair<int64_t, int64_t>> sizes_;
};

class SessionHandlers {
 public:
  // All four must outlive the handlers.
  SessionHandlers(Session& s, ReplySink& sink, RenderSizeCap& render_sizes, SpectatorRenderer& renderer);

  // True for the request types that name a session and run here.
  static bool handles(std::string_view type);
  // Runs and answers one request of this session, after every doorbell step in flight;
  // never throws.
  void handle(const Request& req);
  // Takes the steps posted on the session's doorbell (doorbell.h) since the last call, in
  // seq order: each one starts on the pool's threads beside the steps in flight when it can
  // (step_stream.h), else runs once they are done, with the same checks and work as a `step`
  // message. Answers go to the doorbell block. False when nothing new was posted.
  bool handle_doorbell();
  // Runs one chunk of a doorbell step in flight; false when there is none to take.
  bool run_stream_chunk();

 private:
  void dispatch(const Request& req);
  void on_reset(const Request& req);
  void on_step(const Request& req);
  void on_render(const Request& req);
  void on_get_state(const Request& req);  // state_handlers.cpp
  void on_set_state(const Request& req);  // state_handlers.cpp
  void run_doorbell_entry(DoorbellBlock& d, uint64_t post, uint64_t seq, int64_t slot, int64_t n);
  // Waits for the doorbell steps in flight and brings the session's sequence state (its last
  // seq, the reply a retry gets) up to date with them.
  void finish_stream();

  // A sequenced request that arrived as a message: a retry of the session's last seq gets
  // the cached reply again; anything else runs through fill_slot and is answered with its
  // reply (plus the slot's bytes for the inline transport).
  template <typename Fill>
  void sequenced(const Request& req, std::string_view ok_type, Fill&& fill);
  // Checks seq and slot, lets `fill(seq, slot, reply)` do the work and add its reply fields
  // after `seq` and `slot`, and caches the reply for a retry.
  template <typename Fill>
  const msgpack::sbuffer& fill_slot(int64_t id, std::string_view ok_type, int64_t seq, int64_t slot,
                                    Fill&& fill);
  // Steps the session (n envs, actions from the slot or the inline frames) and adds `n` and
  // `step_us` to the reply; returns the step's time in microseconds.
  uint64_t step(uint64_t seq, uint32_t slot, int64_t n, std::string_view inline_actions,
                std::string_view inline_env_ids, MapWriter& reply);

  Session& s_;
  ReplySink& sink_;
  RenderSizeCap& render_sizes_;
  SpectatorRenderer& renderer_;
  ReplyEncoder replies_;
  uint64_t bell_taken_ = 0;       // doorbell posts taken so far
  uint64_t bell_failed_seq_ = 0;  // the doorbell step that failed last (0: none since a success)
  std::optional<StepStream> stream_;  // doorbell sessions only
};

template <typename Fill>
const msgpack::sbuffer& SessionHandlers::fill_slot(int64_t id, std::string_view ok_type, int64_t seq,
                                                   int64_t slot, Fill&& fill) {
  s_.check_sequence(seq, slot);
  MapWriter w = replies_.begin(id, ok_type);
  w.add("seq", seq).add("slot", slot);
  fill(static_cast<uint64_t>(seq), static_cast<uint32_t>(slot), w);
  const msgpack::sbuffer& m = w.finish();
  s_.cache_reply(m.data(), m.size(), static_cast<uint32_t>(slot), s_.transport() == Transport::Inline);
  return m;
}

template <typename Fill>
void SessionHandlers::sequenced(const Request& req, std::string_view ok_type, Fill&& fill) {
  const Fields f = req.fields();
  const int64_t seq = f.get_int("seq");
  if (seq == static_cast<int64_t>(s_.last_seq()) && !s_.cached_reply().empty()) {
    const std::span<const uint8_t> payload =
        s_.cached_has_payload() ? s_.slot_bytes(s_.cached_slot()) : std::span<const uint8_t>{};
    sink_.send(req, std::span<const char>(s_.cached_reply()), payload);
    return;
  }
  const int64_t slot = f.get_int("slot");
  const msgpack::sbuffer& m = fill_slot(req.id, ok_type, seq, slot, std::forward<Fill>(fill));
  const bool with_slot = s_.transport() == Transport::Inline;
  sink_.send(req, m, with_slot ? s_.slot_bytes(static_cast<uint32_t>(slot)) : std::span<const uint8_t>{});
}

}  // namespace coinrun
