#pragma once
// Fixed std::jthread workers running a parallel-for over [0, n). Work is handed out in chunks
// from one atomic counter and each call ends on one std::latch; no lock is taken per item.
// With zero workers every call runs inline in the caller's thread (handy for debugging).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace coinrun {

class ThreadPool {
 public:
  // `num_threads` counts the caller: 1 runs inline, k > 1 starts k - 1 workers and the
  // caller takes chunks too.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) over chunks covering [0, n); returns when all are done.
  void parallel_for(int n, int chunk, const std::function<void(int, int)>& fn);

 private:
  void worker_loop(std::stop_token stop);
  void run_chunks();

  std::vector<std::jthread> workers_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  uint64_t generation_ = 0;

  // The current job; written under mu_ before the generation bump.
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0;
  int chunk_ = 1;
  std::atomic<int> next_{0};
  std::latch* done_ = nullptr;
};

}  // namespace coinrun
