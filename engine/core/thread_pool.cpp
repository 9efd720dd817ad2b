#include "thread_pool.h"

#include <algorithm>

namespace coinrun {

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
  // jthread joins on destruction.
}

void ThreadPool::run_chunks() {
  for (;;) {
    const int begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
    if (begin >= n_) break;
    (*fn_)(begin, std::min(n_, begin + chunk_));
  }
}

void ThreadPool::worker_loop(std::stop_token stop) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (!wake_.wait(lock, stop, [&] { return generation_ != seen; })) return;
      seen = generation_;
    }
    run_chunks();
    done_->count_down();
  }
}

void ThreadPool::parallel_for(int n, int chunk, const std::function<void(int, int)>& fn) {
  if (n <= 0) return;
  chunk = std::max(1, chunk);
  if (workers_.empty() || n <= chunk) {
    fn(0, n);
    return;
  }
  std::latch done(static_cast<std::ptrdiff_t>(workers_.size()));
  {
    std::lock_guard lock(mu_);
    fn_ = &fn;
    n_ = n;
    chunk_ = chunk;
    next_.store(0, std::memory_order_relaxed);
    done_ = &done;
    ++generation_;
  }
  wake_.notify_all();
  run_chunks();
  done.wait();
}

}  // namespace coinrun
