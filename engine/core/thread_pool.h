#pragma once
// Fixed std::jthread workers running a parallel-for over [0, n). Work is handed out in chunks
// from one atomic counter; no lock is taken per item. The caller takes chunks too and waits
// only for workers that joined the call: a worker still waking up when every chunk is taken
// sits the call out, so a small batch never waits for a sleeping thread's wake-up (tens of
// microseconds on a busy machine). Between calls that come quickly one after another a
// worker spins briefly instead of sleeping (base/spin.h), so that it joins the next call at
// once. At the end of a call the caller spins briefly for the workers still in their last
// chunk, for the same reason. With zero workers every call runs inline in the caller.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
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

  // Calls fn(begin, end) over chunks covering [0, n); returns when all are done. If fn throws
  // (on any thread), the chunks not yet started are skipped and the first exception is
  // rethrown here once no thread runs fn any more.
  void parallel_for(int n, int chunk, const std::function<void(int, int)>& fn);

 private:
  void worker_loop(std::stop_token stop);
  void run_chunks();

  std::vector<std::jthread> workers_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;  // the last worker of a call leaves
  uint64_t generation_ = 0;
  std::atomic<uint64_t> published_{0};  // generation_, readable without the lock
  bool closed_ = true;  // every chunk of the current call is taken: no worker may join it
  std::atomic<int> active_{0};  // workers inside the current call (changed under mu_)

  // The current job; written under mu_ before the generation bump.
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0;
  int chunk_ = 1;
  std::atomic<int> next_{0};
  std::mutex error_mu_;
  std::exception_ptr error_;  // the current call's first exception
};

}  // namespace coinrun
