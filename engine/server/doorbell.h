#pragma once
// The doorbell (docs/protocol.md, "Doorbell"): how a client on this host posts steps to its
// session and learns they are done without a ZeroMQ message. Both sides share one block in
// the session's segment. A step costs no system call at all while both sides are busy: each
// side spins briefly on the other's sequence word before it sleeps on a futex, and wakes the
// other with a futex call only when the other has said it sleeps.
//
// This header is the one definition of the block: the engine (session_worker.cpp) and the
// Python client's native helper (doorbell_client.cpp, loaded with ctypes) both compile it.
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>

#include "base/spin.h"

namespace coinrun {

// Steps that can be posted and not yet answered; equal to the deepest ring.
inline constexpr uint32_t kDoorbellDepth = 16;
inline constexpr size_t kDoorbellBytes = 2048;

enum class DoorbellStatus : uint32_t {
  Pending = 0,
  Ok = 1,
  Error = 2,      // `reply` holds the engine's msgpack error map
  Cancelled = 3,  // posted after a step that failed; nothing ran
};

// Posts are counted 1, 2, 3, ... and post p lives in entries[p % kDoorbellDepth]; its seq is
// the session's seq (shared with ZeroMQ requests), so a retry of a failed seq is a new post.
struct DoorbellEntry {
  uint64_t seq;      // client
  uint32_t slot;     // client
  uint32_t n;        // client: batch size (N = every env)
  uint32_t status;   // engine (DoorbellStatus)
  uint32_t pad;
  uint64_t step_us;  // engine
};
static_assert(sizeof(DoorbellEntry) == 32);

// Fields are grouped by writer, one cache line each, so the two sides never write one line.
// Explicit padding instead of alignas: the block also lives in plain heap memory (sessions
// without a segment), where only 8-byte alignment is guaranteed.
struct DoorbellBlock {
  // Written by the client.
  uint64_t posts;               // 0: posts so far
  uint32_t client_sleeping;     // 8: 1 while the client sleeps on `answer_signal`
  uint32_t spin_cap_us;         // 12: the client's choice, read by both sides (0: never spin)
  uint64_t client_wait_ema_ns;  // 16: the client's adaptive spin state
  uint8_t pad0[40];
  // Written by the engine.
  uint64_t answered;         // 64: posts answered so far (their entries are final)
  uint32_t answer_signal;    // 72: futex word, +1 per answer and on close
  uint32_t engine_sleeping;  // 76: 1 while the engine sleeps on `wake`
  uint32_t closed;           // 80: 1 once the session is closing
  uint32_t reply_len;        // 84: bytes of the error map in `reply`
  uint32_t step_threads;     // 88: threads the engine steps this session's batches on
  uint8_t pad1[36];
  // Written by whoever gives the engine work (the client, the engine's request thread).
  uint32_t wake;  // 128: futex word, +1 per piece of work
  uint8_t pad2[60];
  DoorbellEntry entries[kDoorbellDepth];  // 192: post p in entry p % kDoorbellDepth
  uint8_t reply[kDoorbellBytes - 192 - kDoorbellDepth * sizeof(DoorbellEntry)];
};
static_assert(sizeof(DoorbellBlock) == kDoorbellBytes);
static_assert(offsetof(DoorbellBlock, posts) == 0);
static_assert(offsetof(DoorbellBlock, answered) == 64);
static_assert(offsetof(DoorbellBlock, wake) == 128);
static_assert(offsetof(DoorbellBlock, entries) == 192);

template <typename T>
std::atomic_ref<T> shared(T& field) {
  return std::atomic_ref<T>(field);
}

// Sleeps while *word == expected, at most timeout_ns (shared futex: works across processes).
inline void futex_wait(uint32_t& word, uint32_t expected, int64_t timeout_ns) {
  timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
  ::syscall(SYS_futex, &word, FUTEX_WAIT, expected, &ts, nullptr, 0);
}

inline void futex_wake_all(uint32_t& word) { ::syscall(SYS_futex, &word, FUTEX_WAKE, INT32_MAX, nullptr, nullptr, 0); }

// Gives `word` +1 and wakes its sleeper, if there is one. Sequentially consistent on both
// sides (here and in wait_for_change), so that a sleeper either sees the new value before it
// sleeps or is seen sleeping here: no wake-up is lost.
inline void signal(uint32_t& word, uint32_t& sleeping) {
  shared(word).fetch_add(1);
  if (shared(sleeping).load()) futex_wake_all(word);
}

// Whether a waiter may spin: only when a core is left over while the other side works (a
// waiter that spins on a machine whose cores all step envs slows the very step it waits for).
inline bool spare_core_beside(uint32_t busy_threads) {
  static const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<long>(busy_threads) < cores;
}

// Waits until done() or until `word` moves away from `seen` (one spin phase, then one futex
// sleep of at most sleep_ns).
// Returns the nanoseconds waited.
template <typename Done>
int64_t wait_for_change(uint32_t& word, uint32_t seen, uint32_t& sleeping, int64_t spin_ns, int64_t sleep_ns,
                        Done&& done) {
  const int64_t start = monotonic_ns();
  if (spin_until([&] { return done() || shared(word).load(std::memory_order_acquire) != seen; }, spin_ns)) {
    return monotonic_ns() - start;
  }
  shared(sleeping).store(1);
  if (!done() && shared(word).load() == seen) futex_wait(word, seen, sleep_ns);
  shared(sleeping).store(0);
  return monotonic_ns() - start;
}

}  // namespace coinrun
