#include "thread_pool.h"

#include <algorithm>
#include <utility>

#include "base/spin.h"

namespace coinrun {
namespace {

// Longest spin of an idle worker waiting for the next job.
constexpr uint32_t kWorkerSpinCapUs = 200;
// Longest spin of a caller waiting for the chunks of its job still running elsewhere.
constexpr int64_t kCallerSpinNs = 200'000;

constexpr uint64_t kItemMask = 0xffff'ffffULL;

uint64_t tag_of(uint64_t ticket) { return ticket & kItemMask; }

void call_function(void* ctx, int begin, int end) {
  (*static_cast<const std::function<void(int, int)>*>(ctx))(begin, end);
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  const int workers = std::max(0, num_threads - 1);
  workers_.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this](std::stop_token st) { worker_loop(st); });
  }
}

ThreadPool::~ThreadPool() {
  // Jobs finish in any order: wait for each one that may still run.
  const Ticket last = submitted_.load(std::memory_order_acquire);
  for (Ticket t = last > kMaxJobs ? last - kMaxJobs + 1 : 1; t <= last; ++t) await(t);
  for (auto& w : workers_) w.request_stop();
  {
    std::lock_guard lock(mu_);  // a worker between its check and its sleep holds mu_
  }
  wake_.notify_all();
  // Join here, while the mutex and condition variables the workers use still exist.
  workers_.clear();
}

bool ThreadPool::finished(Ticket t) const {
  return slot(t).finished_as.load(std::memory_order_acquire) >= t;
}

bool ThreadPool::run_one_chunk() {
  for (;;) {
    const Ticket t = oldest_open_.load(std::memory_order_acquire);
    if (t > submitted_.load(std::memory_order_acquire)) return false;
    Job& job = slot(t);
    uint64_t c = job.claim.load(std::memory_order_acquire);
    const int n = job.n.load(std::memory_order_relaxed);
    const auto next = static_cast<int>(c & kItemMask);
    if ((c >> 32) != tag_of(t) || next >= n) {
      // Every chunk of t is taken (or t finished and its slot holds a later job): move on.
      Ticket expected = t;
      oldest_open_.compare_exchange_strong(expected, t + 1, std::memory_order_acq_rel);
      continue;
    }
    const int end = std::min(n, next + job.chunk.load(std::memory_order_relaxed));
    if (!job.claim.compare_exchange_weak(c, (c & ~kItemMask) | static_cast<uint64_t>(end),
                                         std::memory_order_acq_rel)) {
      continue;
    }
    // Items [next, end) of t are ours: the slot cannot be reused before we report them.
    int count = end - next;
    try {
      job.code.run(job.code.ctx, next, end);
    } catch (...) {
      {
        std::lock_guard lock(error_mu_);
        if (!job.error) job.error = std::current_exception();
      }
      // Skip the chunks nobody has started; they count as done.
      uint64_t rest = job.claim.load(std::memory_order_acquire);
      while ((rest & kItemMask) < static_cast<uint64_t>(n) &&
             !job.claim.compare_exchange_weak(rest, (rest & ~kItemMask) | static_cast<uint64_t>(n),
                                              std::memory_order_acq_rel)) {
      }
      if ((rest & kItemMask) < static_cast<uint64_t>(n)) count += n - static_cast<int>(rest & kItemMask);
    }
    items_done(t, job, count);
    return true;
  }
}

void ThreadPool::items_done(Ticket t, Job& job, int count) {
  if (job.left.fetch_sub(count, std::memory_order_acq_rel) != count) return;
  // The last items of job t: every other thread has left its chunks.
  if (job.code.done) {
    std::exception_ptr error;
    {
      std::lock_guard lock(error_mu_);
      error = std::exchange(job.error, nullptr);
    }
    job.code.done(job.code.ctx, error);
  }
  // Sequentially consistent with the sleeping caller's count (await): either it sees the
  // job finished before it sleeps, or it is seen here and woken.
  job.finished_as.store(t);
  if (sleeping_callers_.load() > 0) {
    std::lock_guard lock(mu_);
    finished_cv_.notify_all();
  }
}

ThreadPool::Ticket ThreadPool::submit(int n, int chunk, PoolJob code) {
  const Ticket t = submitted_.load(std::memory_order_relaxed) + 1;  // only the owner writes it
  if (t > static_cast<Ticket>(kMaxJobs)) await(t - kMaxJobs);     // the slot's previous job
  Job& job = slot(t);
  job.code = code;
  job.error = nullptr;
  job.n.store(n, std::memory_order_relaxed);
  job.chunk.store(std::max(1, chunk), std::memory_order_relaxed);
  job.left.store(n, std::memory_order_relaxed);
  job.claim.store(tag_of(t) << 32, std::memory_order_release);
  // Sequentially consistent with a sleeping worker's count (worker_loop): no lost wake-up.
  submitted_.store(t);
  if (sleeping_workers_.load() > 0) {
    std::lock_guard lock(mu_);
    wake_.notify_all();
  }
  if (workers_.empty()) await(t);
  return t;
}

void ThreadPool::await(Ticket t) {
  while (!finished(t)) {
    if (run_one_chunk()) continue;
    // Every chunk is taken; the last ones run on other threads. They usually end within a
    // chunk's time: spin rather than sleep, since a sleeping caller's wake-up (tens of
    // microseconds) delays the reply. Yielding while it spins lets a thread that waits for
    // this core (the worker itself, when the machine has fewer cores than threads) run.
    if (spin_until([&] { return finished(t); }, kCallerSpinNs, SpinYield::AfterAFewTurns)) return;
    std::unique_lock lock(mu_);
    sleeping_callers_.fetch_add(1);
    // Sequentially consistent, against items_done's store and its look at sleeping_callers_.
    finished_cv_.wait(lock, [&] { return slot(t).finished_as.load() >= t; });
    sleeping_callers_.fetch_sub(1);
  }
}

void ThreadPool::parallel_for(int n, int chunk, const std::function<void(int, int)>& fn) {
  if (n <= 0) return;
  if (workers_.empty() || n <= std::max(1, chunk)) {
    fn(0, n);
    return;
  }
  const Ticket t = submit(n, chunk, PoolJob{&call_function, nullptr, const_cast<std::function<void(int, int)>*>(&fn)});
  await(t);
  Job& job = slot(t);
  std::exception_ptr error;
  {
    std::lock_guard lock(error_mu_);
    error = std::exchange(job.error, nullptr);
  }
  if (error) std::rethrow_exception(error);
}

void ThreadPool::worker_loop(std::stop_token stop) {
  uint64_t gap_ema_ns = 0;  // how long this worker usually waits for the next job
  while (!stop.stop_requested()) {
    const Ticket seen = submitted_.load(std::memory_order_acquire);
    while (run_one_chunk()) {
    }
    // Every job up to `seen` is fully taken: wait for the next one.
    const int64_t idle_from = monotonic_ns();
    const auto submitted = [&] { return submitted_.load(std::memory_order_acquire) != seen || stop.stop_requested(); };
    if (!spin_until(submitted, AdaptiveSpin::budget_ns(gap_ema_ns, kWorkerSpinCapUs), SpinYield::AfterAFewTurns)) {
      std::unique_lock lock(mu_);
      sleeping_workers_.fetch_add(1);
      wake_.wait(lock, stop, [&] { return submitted_.load() != seen; });
      sleeping_workers_.fetch_sub(1);
    }
    gap_ema_ns = AdaptiveSpin::update(gap_ema_ns, monotonic_ns() - idle_from, kWorkerSpinCapUs);
  }
}

}  // namespace coinrun
