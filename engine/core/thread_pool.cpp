#include "thread_pool.h"

#include <algorithm>
#include <utility>

#include "base/spin.h"

namespace coinrun {
namespace {

// Longest spin of an idle worker waiting for the next call.
constexpr uint32_t kWorkerSpinCapUs = 200;
// Longest spin of the caller waiting for the workers still in their last chunk.
constexpr int64_t kCallerSpinNs = 200'000;

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  const int workers = std::max(0, num_threads - 1);
  workers_.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this](std::stop_token st) { worker_loop(st); });
  }
}

ThreadPool::~ThreadPool() {
  for (auto& w : workers_) w.request_stop();
  wake_.notify_all();
  // Join here, while the mutex and condition variables the workers use still exist (members
  // are destroyed after this body, in reverse order, and workers_ comes first).
  workers_.clear();
}

void ThreadPool::run_chunks() {
  try {
    for (;;) {
      const int begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
      if (begin >= n_) break;
      (*fn_)(begin, std::min(n_, begin + chunk_));
    }
  } catch (...) {
    // The first error of a call is rethrown by its caller once every thread has left the
    // call; the chunks nobody has started are dropped.
    next_.store(n_, std::memory_order_relaxed);
    std::lock_guard lock(error_mu_);
    if (!error_) error_ = std::current_exception();
  }
}

void ThreadPool::worker_loop(std::stop_token stop) {
  uint64_t seen = 0;
  uint64_t gap_ema_ns = 0;  // how long this worker usually waits for the next call
  for (;;) {
    const int64_t idle_from = monotonic_ns();
    spin_until([&] { return published_.load(std::memory_order_acquire) != seen || stop.stop_requested(); },
               AdaptiveSpin::budget_ns(gap_ema_ns, kWorkerSpinCapUs), SpinYield::AfterAFewTurns);
    {
      std::unique_lock lock(mu_);
      if (!wake_.wait(lock, stop, [&] { return generation_ != seen; })) return;
      seen = generation_;
      gap_ema_ns = AdaptiveSpin::update(gap_ema_ns, monotonic_ns() - idle_from, kWorkerSpinCapUs);
      if (closed_) continue;  // woke too late: the caller already took every chunk
      ++active_;
    }
    run_chunks();
    std::lock_guard lock(mu_);
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) idle_.notify_one();
  }
}

void ThreadPool::parallel_for(int n, int chunk, const std::function<void(int, int)>& fn) {
  if (n <= 0) return;
  chunk = std::max(1, chunk);
  if (workers_.empty() || n <= chunk) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard lock(mu_);
    fn_ = &fn;
    n_ = n;
    chunk_ = chunk;
    next_.store(0, std::memory_order_relaxed);
    closed_ = false;
    ++generation_;
    published_.store(generation_, std::memory_order_release);
  }
  wake_.notify_all();
  run_chunks();
  // Every chunk is taken; wait for the workers that took some, not for those still waking.
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  // A worker still in its last chunk usually ends within a chunk's time: spin for it rather
  // than sleep, since a sleeping caller's wake-up (tens of microseconds) delays the reply.
  // Yielding while it spins lets a thread that waits for this core (the worker itself, when
  // the machine has fewer cores than threads) run.
  if (!spin_until([&] { return active_.load(std::memory_order_acquire) == 0; }, kCallerSpinNs,
                  SpinYield::AfterAFewTurns)) {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return active_.load(std::memory_order_relaxed) == 0; });
  }
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace coinrun
