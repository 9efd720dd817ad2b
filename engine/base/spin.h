#pragma once
// Spin-then-sleep: the waiting policy shared by the engine's thread pool and both sides of the
// doorbell. Waking a sleeping thread costs tens of microseconds on a busy (or virtual)
// machine, far more than a small step; spinning instead costs a core. So a waiter spins only
// for about as long as its recent waits took, up to a cap, yields its core while it spins,
// and otherwise sleeps: an idle engine or client uses no CPU.
#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <ctime>

namespace coinrun {

inline int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long to spin before sleeping, learned from how long the last waits took: a side whose
// waits are short (a tight stepping loop) spins for about twice the usual wait, up to the cap;
// a side whose waits are long (the other side thinks for milliseconds, or is idle) sleeps at
// once and so costs no CPU while idle.
class AdaptiveSpin {
 public:
  static int64_t budget_ns(uint64_t ema_ns, uint32_t cap_us) {
    const auto cap = static_cast<int64_t>(cap_us) * 1000;
    if (cap == 0 || static_cast<int64_t>(ema_ns) >= cap) return 0;
    return std::min<int64_t>(cap, 2 * static_cast<int64_t>(ema_ns) + 2000);
  }
  // One wait took `ns`; a long wait counts as 4 caps at most, so that the budget comes back
  // soon after an idle pause.
  static uint64_t update(uint64_t ema_ns, int64_t ns, uint32_t cap_us) {
    const int64_t capped = std::min<int64_t>(ns, 4 * static_cast<int64_t>(cap_us) * 1000 + 1);
    return static_cast<uint64_t>((7 * static_cast<int64_t>(ema_ns) + capped) / 8);
  }
};

// Whether a spinning thread gives its core away at every turn. A thread pool's worker must:
// while it waits for the next call, the thread that will make that call (and the client)
// may need its core. A doorbell waiter must not: it spins only where a core is left over,
// and a yield hands the core to any runnable thread for a whole time slice (milliseconds),
// low-priority ones included, such as the spectators' renderer.
enum class SpinYield { Never, AfterAFewTurns };

// Spins until ready() or for budget_ns; true when ready.
template <typename Ready>
bool spin_until(Ready&& ready, int64_t budget_ns, SpinYield yield = SpinYield::Never) {
  if (budget_ns <= 0) return ready();
  const int64_t start = monotonic_ns();
  for (int i = 0;; ++i) {
    if (ready()) return true;
    if (monotonic_ns() - start >= budget_ns) return false;
    if (yield == SpinYield::Never || i < 64) {
      cpu_relax();
    } else {
      ::sched_yield();
    }
  }
}

}  // namespace coinrun
