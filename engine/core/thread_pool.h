#pragma once
// Fixed std::jthread workers running jobs. A job covers items [0, n), handed out in chunks
// from one atomic cursor; no lock is taken per chunk. Chunks go out oldest job first, and a
// thread that finds every chunk of a job taken moves on to the next job at once: there is no
// barrier between jobs, so a job's last chunk running late on a preempted thread holds back
// that job alone, never the ones queued behind it (the doorbell's async batches,
// engine/server/step_stream.h). A job is finished when all its items are done, whoever ran
// them; its optional `done` callback runs on the thread that finished it.
//
// Between jobs that come quickly one after another a worker spins briefly instead of
// sleeping (base/spin.h), so that it takes the next job at once; a waiting caller takes
// chunks too, then spins briefly for the chunks still running elsewhere, for the same reason.
// With zero workers the caller runs every job itself.
//
// One thread at a time submits (the pool's owner); any thread may run chunks.
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace coinrun {

// A job's code: run(ctx, begin, end) for each chunk, then, once every item is done,
// done(ctx, error) on the thread that ran the last chunk (error: the first exception a chunk
// threw, after which the chunks not yet started were skipped). `done` may be null and must
// not throw (it may run on a worker, where nobody could catch it).
struct PoolJob {
  void (*run)(void* ctx, int begin, int end) = nullptr;
  void (*done)(void* ctx, std::exception_ptr error) = nullptr;
  void* ctx = nullptr;
};

class ThreadPool {
 public:
  using Ticket = uint64_t;  // jobs are numbered 1, 2, 3, ... in submission order
  // Jobs queued or running at once; submit() waits for the oldest beyond that.
  static constexpr int kMaxJobs = 32;

  // `num_threads` counts the caller: 1 runs everything in the caller, k > 1 starts k - 1
  // workers.
  explicit ThreadPool(int num_threads);
  // Waits for every job submitted to finish, then stops the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) over chunks covering [0, n); returns when all are done. If fn throws
  // (on any thread), the chunks not yet started are skipped and the first exception is
  // rethrown here once no thread runs fn any more.
  void parallel_for(int n, int chunk, const std::function<void(int, int)>& fn);

  // Queues a job of n > 0 items and returns at once; `job` (and what its ctx points to) must
  // stay valid until it finished. Without workers the job runs here before this returns.
  Ticket submit(int n, int chunk, PoolJob job);
  // Whether job t finished (its done callback, if any, returned).
  bool finished(Ticket t) const;
  // Runs one chunk of the oldest job that has chunks left; false when no job has.
  bool run_one_chunk();
  // Takes chunks while there are any, then waits until job t finished.
  void await(Ticket t);

 private:
  struct Job {
    // High 32 bits: the low 32 bits of the ticket the slot holds; low 32: the next item.
    // Tagging the cursor lets a thread that read an old ticket never claim items of the
    // job that reuses the slot.
    std::atomic<uint64_t> claim{0};
    std::atomic<int> n{0};
    std::atomic<int> chunk{1};
    std::atomic<int> left{0};             // items not yet done
    std::atomic<Ticket> finished_as{0};   // the last ticket this slot finished
    PoolJob code;                         // stable while the job runs (set before `claim`)
    std::exception_ptr error;             // under error_mu_
  };

  Job& slot(Ticket t) { return jobs_[t % kMaxJobs]; }
  const Job& slot(Ticket t) const { return jobs_[t % kMaxJobs]; }
  void worker_loop(std::stop_token stop);
  // Items [begin, end) of job t are done (skipped ones included); the last ones finish it.
  void items_done(Ticket t, Job& job, int count);

  std::array<Job, kMaxJobs> jobs_;
  std::atomic<Ticket> submitted_{0};    // tickets handed out so far
  std::atomic<Ticket> oldest_open_{1};  // no job before this one has chunks left
  std::mutex mu_;                       // guards the sleeps below
  std::condition_variable_any wake_;    // a worker sleeps until a job is submitted
  std::condition_variable finished_cv_; // a caller sleeps until its job finished
  std::atomic<int> sleeping_workers_{0};
  std::atomic<int> sleeping_callers_{0};
  std::mutex error_mu_;
  std::vector<std::jthread> workers_;  // last: the workers use everything above
};

}  // namespace coinrun
