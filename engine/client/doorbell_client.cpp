// The client's side of the doorbell (engine/server/doorbell.h), as a small C library that the
// Python client loads with ctypes (pyclient/coinrun/doorbell.py). Python has no atomic
// operations or futexes of its own; these few functions give it both, with the block layout
// compiled from the same header as the engine's side. ctypes releases the GIL around every
// call, so other Python threads run while one waits here.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/doorbell.h"
#include "server/shm_layout.h"

namespace {

using coinrun::AdaptiveSpin;
using coinrun::DoorbellBlock;
using coinrun::DoorbellEntry;
using coinrun::DoorbellStatus;
using coinrun::kDoorbellDepth;
using coinrun::shared;

// Version of this C interface; the Python side refuses a library with another.
constexpr int kAbiVersion = 1;

// What coinrun_doorbell_wait returns besides a DoorbellStatus.
constexpr int kTimedOut = 0;
constexpr int kClosed = -1;

DoorbellBlock& block(void* p) { return *static_cast<DoorbellBlock*>(p); }

}  // namespace

extern "C" {

int coinrun_doorbell_abi() { return kAbiVersion; }
uint32_t coinrun_doorbell_bytes() { return sizeof(DoorbellBlock); }
uint32_t coinrun_doorbell_depth() { return kDoorbellDepth; }

// Sets how long either side may spin before it sleeps (0: never spin).
void coinrun_doorbell_set_spin(void* p, uint32_t cap_us) {
  shared(block(p).spin_cap_us).store(cap_us, std::memory_order_relaxed);
}

// Posts step `seq` (actions, and env ids for n < N, already in `slot`), wakes the engine if
// it sleeps, and returns the post's number for coinrun_doorbell_wait. The caller keeps at
// most kDoorbellDepth - 1 posts unanswered.
uint64_t coinrun_doorbell_post(void* p, uint64_t seq, uint32_t slot, uint32_t n) {
  DoorbellBlock& d = block(p);
  const uint64_t post = shared(d.posts).load(std::memory_order_relaxed) + 1;  // only we write it
  DoorbellEntry& e = d.entries[post % kDoorbellDepth];
  shared(e.status).store(static_cast<uint32_t>(DoorbellStatus::Pending), std::memory_order_relaxed);
  shared(e.slot).store(slot, std::memory_order_relaxed);
  shared(e.n).store(n, std::memory_order_relaxed);
  shared(e.seq).store(seq, std::memory_order_relaxed);
  shared(d.posts).store(post, std::memory_order_release);
  coinrun::signal(d.wake, d.engine_sleeping);
  return post;
}

// Waits at most timeout_ns for post number `post` to be answered. Returns its DoorbellStatus (1 ok,
// 2 error: the map is in the reply area, 3 cancelled), 0 on timeout (the caller checks that
// the engine lives and calls again) or -1 when the engine closed the session. *step_us gets
// the engine's time for the step.
int coinrun_doorbell_wait(void* p, uint64_t post, int64_t timeout_ns, uint64_t* step_us) {
  DoorbellBlock& d = block(p);
  const uint32_t cap_us = shared(d.spin_cap_us).load(std::memory_order_relaxed);
  const int64_t start = coinrun::monotonic_ns();
  for (;;) {
    const uint32_t seen = shared(d.answer_signal).load();
    const auto answered = [&] { return shared(d.answered).load(std::memory_order_acquire) >= post; };
    if (answered()) {
      const DoorbellEntry& e = d.entries[post % kDoorbellDepth];
      if (step_us) *step_us = shared(e.step_us).load(std::memory_order_relaxed);
      return static_cast<int>(shared(e.status).load(std::memory_order_relaxed));
    }
    if (shared(d.closed).load(std::memory_order_acquire)) return kClosed;
    const int64_t left = timeout_ns - (coinrun::monotonic_ns() - start);
    if (left <= 0) return kTimedOut;
    const uint64_t ema = shared(d.client_wait_ema_ns).load(std::memory_order_relaxed);
    const bool may_spin = coinrun::spare_core_beside(shared(d.step_threads).load(std::memory_order_relaxed));
    const int64_t spin = may_spin ? std::min(left, AdaptiveSpin::budget_ns(ema, cap_us)) : 0;
    const int64_t waited = coinrun::wait_for_change(d.answer_signal, seen, d.client_sleeping, spin, left, answered);
    shared(d.client_wait_ema_ns).store(AdaptiveSpin::update(ema, waited, cap_us), std::memory_order_relaxed);
  }
}

// post + wait in one call (a synchronous step costs one ctypes call).
int coinrun_doorbell_step(void* p, uint64_t seq, uint32_t slot, uint32_t n, int64_t timeout_ns, uint64_t* step_us) {
  return coinrun_doorbell_wait(p, coinrun_doorbell_post(p, seq, slot, n), timeout_ns, step_us);
}

// The segment header's layout as the engine compiles it, as JSON: field name -> byte offset,
// plus the sizes. The Python client reads the header with its own struct formats (shm.py);
// a test compares them with this, so the two cannot drift apart unnoticed.
const char* coinrun_shm_layout_json() {
  using coinrun::ShmHeader;
  static const std::string json = [] {
    std::string s = "{";
    const auto field = [&s](const char* name, size_t value) {
      s += std::string(s.size() > 1 ? "," : "") + "\"" + name + "\":" + std::to_string(value);
    };
#define COINRUN_FIELD(f) field(#f, offsetof(ShmHeader, f))
    COINRUN_FIELD(magic);
    COINRUN_FIELD(layout_version);
    COINRUN_FIELD(header_bytes);
    COINRUN_FIELD(total_bytes);
    COINRUN_FIELD(session_id);
    COINRUN_FIELD(engine_pid);
    COINRUN_FIELD(num_envs);
    COINRUN_FIELD(ring_depth);
    COINRUN_FIELD(obs_h);
    COINRUN_FIELD(obs_w);
    COINRUN_FIELD(obs_c);
    COINRUN_FIELD(n_actions);
    COINRUN_FIELD(state);
    COINRUN_FIELD(heartbeat);
    COINRUN_FIELD(num_regions);
    COINRUN_FIELD(reserved0);
    COINRUN_FIELD(slots_offset);
    COINRUN_FIELD(slot_bytes);
    COINRUN_FIELD(regions);
#undef COINRUN_FIELD
    field("region_entry_bytes", sizeof(coinrun::RegionEntry));
    field("slot_seq", coinrun::kSlotSeqOffset);
    field("doorbell", coinrun::kDoorbellOffset);
    field("header_total", coinrun::kShmHeaderBytes);
    field("layout_version_value", coinrun::kLayoutVersion);
    return s + "}";
  }();
  return json.c_str();
}

// The error map of the last failed step: its length, and a pointer to it.
uint32_t coinrun_doorbell_reply_len(void* p) { return shared(block(p).reply_len).load(std::memory_order_relaxed); }
const uint8_t* coinrun_doorbell_reply(void* p) { return block(p).reply; }

}  // extern "C"
