// The thread pool behind every batch (engine/core/thread_pool.h): each item of each job runs
// exactly once, callers and done callbacks see every item done, exceptions reach the right
// caller, and no job waits behind another one's late last chunk. `make tsan` runs these
// under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/thread_pool.h"

namespace coinrun {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 8}) {
    ThreadPool pool(threads);
    for (int n : {0, 1, 7, 64, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (int rep = 0; rep < 20; ++rep) {
        pool.parallel_for(n, 3, [&](int b, int e) {
          for (int i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
        });
      }
      for (int i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 20);
    }
  }
}

// Calls back to back (workers spinning into the next call), with pauses (workers asleep,
// some waking only after the caller took every chunk and returned) and of every size: each
// index is still done exactly once per call, and no call runs a late worker on a finished
// call's function.
TEST(ThreadPool, LateAndSpinningWorkersJoinOnlyTheirOwnCall) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(300);
  for (int call = 0; call < 3000; ++call) {
    const int n = 1 + (call * 37) % 300;
    for (int i = 0; i < n; ++i) hits[static_cast<size_t>(i)] = 0;
    pool.parallel_for(n, 4, [&, n](int b, int e) {
      ASSERT_LE(e, n);
      for (int i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    });
    for (int i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "call " << call << " index " << i;
    if (call % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// A call whose last chunk outlasts the caller's spin: the caller then sleeps until the worker
// leaves, and returns only after every chunk has run.
TEST(ThreadPool, CallerWaitsForALongLastChunk) {
  ThreadPool pool(2);
  for (int rep = 0; rep < 3; ++rep) {
    std::atomic<int> done{0};
    pool.parallel_for(2, 1, [&](int b, int) {
      if (b == 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      done++;
    });
    ASSERT_EQ(done.load(), 2);
  }
}

// An exception from any thread (the caller's or a worker's) reaches the caller once no thread
// runs the call's function any more, and the pool serves the next call normally.
TEST(ThreadPool, AnExceptionReachesTheCallerAfterEveryThreadLeft) {
  ThreadPool pool(4);
  for (int rep = 0; rep < 50; ++rep) {
    std::atomic<int> inside{0};
    const int bad = (rep * 7) % 64;
    EXPECT_THROW(pool.parallel_for(64, 1,
                                   [&](int b, int) {
                                     ++inside;
                                     std::this_thread::sleep_for(std::chrono::microseconds(20));
                                     --inside;
                                     if (b == bad) throw std::runtime_error("chunk failed");
                                   }),
                 std::runtime_error);
    ASSERT_EQ(inside.load(), 0) << "a thread still ran the function after parallel_for threw";
    std::vector<std::atomic<int>> hits(64);
    pool.parallel_for(64, 1, [&](int b, int e) {
      for (int i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    });
    for (int i = 0; i < 64; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1);
  }
}

// Pools destroyed right after a call, while their workers are still leaving it: the workers
// are joined before the mutex and condition variables they use go away (the sanitizer build
// runs this too).
TEST(ThreadPool, DestroyedRightAfterACall) {
  for (int rep = 0; rep < 200; ++rep) {
    ThreadPool pool(3);
    std::atomic<int> hits{0};
    pool.parallel_for(64, 1, [&](int b, int e) { hits += e - b; });
    ASSERT_EQ(hits.load(), 64);
  }
}


// Jobs submitted without waiting, more than the pool holds at once: every item of every job
// runs exactly once, and every job's done callback runs once, after all its items.
TEST(ThreadPool, SubmittedJobsRunEveryItemOnceAndFinish) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    constexpr int kJobs = 3 * ThreadPool::kMaxJobs + 5;
    struct Ctx {
      std::vector<std::atomic<int>> hits;
      std::atomic<int> done_calls{0};
      int items_when_done = -1;
      explicit Ctx(int n) : hits(static_cast<size_t>(n)) {}
    };
    std::vector<std::unique_ptr<Ctx>> ctxs;
    std::vector<ThreadPool::Ticket> tickets;
    for (int j = 0; j < kJobs; ++j) {
      const int n = 1 + (j * 13) % 40;
      ctxs.push_back(std::make_unique<Ctx>(n));
      PoolJob job;
      job.ctx = ctxs.back().get();
      job.run = [](void* c, int b, int e) {
        for (int i = b; i < e; ++i) static_cast<Ctx*>(c)->hits[static_cast<size_t>(i)]++;
      };
      job.done = [](void* c, std::exception_ptr error) {
        Ctx& x = *static_cast<Ctx*>(c);
        int sum = 0;
        for (auto& h : x.hits) sum += h.load();
        x.items_when_done = error ? -2 : sum;
        x.done_calls++;
      };
      tickets.push_back(pool.submit(n, 3, job));
    }
    for (const ThreadPool::Ticket t : tickets) pool.await(t);
    for (int j = 0; j < kJobs; ++j) {
      const Ctx& x = *ctxs[static_cast<size_t>(j)];
      ASSERT_TRUE(pool.finished(tickets[static_cast<size_t>(j)]));
      ASSERT_EQ(x.done_calls.load(), 1) << "job " << j;
      ASSERT_EQ(x.items_when_done, static_cast<int>(x.hits.size())) << "job " << j;
      for (const auto& h : x.hits) ASSERT_EQ(h.load(), 1) << "job " << j;
    }
  }
}

// No barrier between jobs: while the first job's last chunk is still running (it waits for
// the second job to finish), the other threads take and finish the second job. A pool that
// waited for one job to end before starting the next would never end this test; this one
// gives up after 10 s and fails instead.
TEST(ThreadPool, AJobsLongLastChunkHoldsBackNoLaterJob) {
  ThreadPool pool(3);
  struct Ctx {
    ThreadPool* pool = nullptr;
    ThreadPool::Ticket second = 0;
    std::atomic<bool> second_submitted{false};
    std::atomic<bool> saw_second_finish{false};
    std::atomic<int> second_items{0};
  } ctx;
  ctx.pool = &pool;
  PoolJob first;
  first.ctx = &ctx;
  first.run = [](void* c, int, int) {
    Ctx& x = *static_cast<Ctx*>(c);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < give_up) {
      if (x.second_submitted.load() && x.pool->finished(x.second)) {
        x.saw_second_finish = true;
        return;
      }
      std::this_thread::yield();
    }
  };
  PoolJob second;
  second.ctx = &ctx;
  second.run = [](void* c, int b, int e) { static_cast<Ctx*>(c)->second_items += e - b; };
  const ThreadPool::Ticket t1 = pool.submit(1, 1, first);
  ctx.second = pool.submit(64, 4, second);
  ctx.second_submitted = true;
  pool.await(t1);
  pool.await(ctx.second);
  EXPECT_TRUE(ctx.saw_second_finish.load()) << "the second job waited for the first one's last chunk";
  EXPECT_EQ(ctx.second_items.load(), 64);
}

// A submitted job that throws: its done callback gets the first exception once every item
// has run or been skipped, and the jobs behind it run normally.
TEST(ThreadPool, ASubmittedJobsExceptionGoesToItsDoneCallback) {
  ThreadPool pool(3);
  struct Ctx {
    std::atomic<int> ran{0};
    std::exception_ptr error;
    std::atomic<int> done_calls{0};
  };
  for (int rep = 0; rep < 50; ++rep) {
    Ctx bad_ctx, good_ctx;
    PoolJob bad;
    bad.ctx = &bad_ctx;
    bad.run = [](void* c, int b, int) {
      static_cast<Ctx*>(c)->ran++;
      if (b == 5) throw std::runtime_error("chunk failed");
    };
    bad.done = [](void* c, std::exception_ptr e) {
      static_cast<Ctx*>(c)->error = e;
      static_cast<Ctx*>(c)->done_calls++;
    };
    PoolJob good = bad;
    good.ctx = &good_ctx;
    good.run = [](void* c, int b, int e) { static_cast<Ctx*>(c)->ran += e - b; };
    const auto t1 = pool.submit(40, 1, bad);
    const auto t2 = pool.submit(40, 1, good);
    pool.await(t1);
    pool.await(t2);
    ASSERT_EQ(bad_ctx.done_calls.load(), 1);
    ASSERT_TRUE(bad_ctx.error);
    ASSERT_LE(bad_ctx.ran.load(), 40);
    ASSERT_EQ(good_ctx.done_calls.load(), 1);
    ASSERT_FALSE(good_ctx.error);
    ASSERT_EQ(good_ctx.ran.load(), 40);
  }
}

}  // namespace
}  // namespace coinrun
