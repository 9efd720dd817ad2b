#pragma once
// One client's batch of envs: its EnvPool, its ring of slots (in a shared-memory segment,
// or in a private buffer for the inline transport), and the seq/slot state machine with the
// cached last reply (a retried request is answered again, never run twice).
//
// Threads: the session's worker (session_worker.h) does everything that touches the envs or
// the slots, except the doorbell's batches in flight, which the pool's threads step and
// answer (step_stream.h: they touch only their own envs and slot, and call announce()); the
// request thread only reads what is fixed at creation, steps(), abandoned() and heartbeat(),
// and calls touch() (all safe concurrently).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/env_pool.h"
#include "shm_layout.h"
#include "shm_segment.h"

namespace coinrun {

enum class Transport { Shm, Inline };

class SessionWorker;
struct InboundRequest;

struct SessionParams {
  PoolOptions pool;
  uint32_t ring_depth = 2;
  Transport transport = Transport::Shm;
  int64_t client_pid = 0;
  bool client_local = false;  // client_pid names a process on this host
  double lease_s = 0;         // 0 = no lease
  std::string label;
  bool doorbell = false;  // serve the doorbell block (local shm clients only)
};

using Clock = std::chrono::steady_clock;

class Session {
 public:
  // Throws OptionError (bad options), ShmError (segment), std::bad_alloc.
  Session(uint64_t id, SessionParams params, uint32_t engine_pid);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  uint64_t id() const { return id_; }
  const SessionParams& params() const { return params_; }
  const ShmLayout& layout() const { return layout_; }
  EnvPool& pool() { return pool_; }
  const EnvPool& pool() const { return pool_; }
  int num_envs() const { return pool_.num_envs(); }
  Transport transport() const { return params_.transport; }
  const ShmSegment* segment() const { return shm_.get(); }
  uint64_t steps() const { return steps_.load(std::memory_order_relaxed); }
  Clock::time_point created() const { return created_; }

  uint64_t last_seq() const { return last_seq_; }
  // The cached reply to request `last_seq()` (frame 0), empty before the first.
  const std::vector<char>& cached_reply() const { return cached_reply_; }
  uint32_t cached_slot() const { return cached_slot_; }
  bool cached_has_payload() const { return cached_has_payload_; }
  void cache_reply(const char* data, size_t size, uint32_t slot, bool has_payload);

  // Throws ProtocolError(BadSequence) unless seq == last_seq() + 1 and slot < ring_depth.
  void check_sequence(int64_t seq, int64_t slot) const;

  // Checks the batch size n, copies the client's actions (and env ids for n < N) into
  // private storage and steps; the pool validates them. `inline_actions` / `inline_env_ids`
  // are the inline transport's frames (empty for shm). Throws ProtocolError(BadAction /
  // BadMessage); nothing changes then.
  void step(uint64_t seq, uint32_t slot, int64_t n, std::string_view inline_actions,
            std::string_view inline_env_ids);
  // Throws ProtocolError(BadOption / BadMessage); nothing changes then.
  void reset(uint64_t seq, uint32_t slot, std::optional<uint32_t> seed,
             std::optional<std::string_view> mask, std::vector<uint32_t> level_seeds);

  // Restores states[j] into env env_ids[j] (empty ids: one state per env) and fills
  // the slot like a masked reset: restored rows show the restored observation, the others
  // their latest one. Throws StateError (core/env_state.h) before any env or row changes.
  void set_state(uint64_t seq, uint32_t slot, std::span<const std::vector<uint8_t>> states,
                 std::span<const int32_t> env_ids);

  // A shm slot's staged inputs (the client's side of a step) and its result rows.
  const int32_t* staged_actions(uint32_t slot) const { return layout_.region_ptr<int32_t>(slots_, slot, Region::Actions); }
  const int32_t* staged_env_ids(uint32_t slot) const { return layout_.region_ptr<int32_t>(slots_, slot, Region::EnvIds); }
  BatchView slot_view(uint32_t slot) const { return layout_.batch_view(slots_, slot); }
  // Any thread: step `seq` is done and its rows are in `slot` (the slot's seq word, the step
  // count). The session's own sequence state follows with stepped(), on its worker.
  void announce(uint64_t seq, uint32_t slot);
  // The worker: the steps up to `seq` ran (through the doorbell's stream); the last one
  // wrote `slot`, for `n` envs.
  void stepped(uint64_t seq, uint32_t slot, int64_t n);

  // The slot's bytes (the inline transport's payload).
  std::span<const uint8_t> slot_bytes(uint32_t slot) const;

  // The doorbell block: in the segment's header for shm sessions (the client's side of the
  // doorbell), in the private header otherwise (there only the worker's wake-up word is used).
  DoorbellBlock& doorbell() { return *doorbell_ptr(base_); }
  bool has_doorbell() const { return params_.doorbell; }

  void touch() { last_active_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed); }
  // Client pid gone or lease expired.
  bool abandoned(Clock::time_point now) const;
  // Bumps the header heartbeat (engine uptime in ms).
  void heartbeat(uint64_t uptime_ms);

  // The worker that runs this session's requests; the session destroys it first.
  void attach_worker(std::unique_ptr<SessionWorker> worker);
  // Request thread: hands a request of this session to its worker.
  void post(std::unique_ptr<InboundRequest> in);

 private:
  // A reset or restore is done: the session's last seq, and the slot's seq word.
  void publish(uint64_t seq, uint32_t slot);
  void store_slot_seq(uint64_t seq, uint32_t slot);
  void fill_unreset_rows(uint32_t slot, std::span<const uint8_t> mask);

  uint64_t id_;
  SessionParams params_;
  EnvPool pool_;
  ShmLayout layout_;
  std::unique_ptr<ShmSegment> shm_;
  std::vector<uint8_t> inline_buf_;  // header + slots, for the inline transport
  uint8_t* base_ = nullptr;          // start of the header
  uint8_t* slots_ = nullptr;         // start of slot 0

  uint64_t last_seq_ = 0;
  std::vector<char> cached_reply_;
  uint32_t cached_slot_ = 0;
  bool cached_has_payload_ = false;
  int last_full_slot_ = -1;  // slot holding every env's latest row, or -1

  std::vector<int32_t> actions_;  // private copies: the client cannot change them mid-step
  std::vector<int32_t> env_ids_;

  std::atomic<uint64_t> steps_{0};
  Clock::time_point created_ = Clock::now();
  std::atomic<Clock::rep> last_active_{Clock::now().time_since_epoch().count()};
  std::unique_ptr<SessionWorker> worker_;  // last: uses everything above
};

}  // namespace coinrun
