// The doorbell's stream of async batches (engine/server/step_stream.h), driven in process the
// way the Python client drives it: batches in flight give every env the same rows as whole
// batches one at a time; batches that name the same env run in order; a bad batch behind a
// good one in flight is refused alone. `make tsan` runs these under ThreadSanitizer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "server/doorbell.h"
#include "server/session.h"
#include "server/session_handlers.h"
#include "server/session_worker.h"
#include "server/spectator_renderer.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

class NullSink : public ReplySink {
 public:
  void send(const Request&, std::span<const char>, std::span<const uint8_t>) override {}
};

// A doorbell session with its worker thread, reset with seq 1, and the client's side of its
// doorbell (what engine/client/doorbell_client.cpp does for Python).
class BellSession {
 public:
  BellSession(uint64_t id, int num_envs, uint32_t ring_depth) : ring_(ring_depth) {
    SessionParams p;
    p.pool.num_envs = num_envs;
    p.pool.num_threads = 3;
    p.pool.seed = 7;
    p.pool.max_episode_steps = 15;  // episodes end (and restart) inside every test
    p.ring_depth = ring_depth;
    p.transport = Transport::Shm;
    p.doorbell = true;
    session_ = std::make_unique<Session>(id, p, static_cast<uint32_t>(::getpid()));
    session_->reset(1, 1 % ring_depth, 7u, std::nullopt, {});
    session_->attach_worker(std::make_unique<SessionWorker>(*session_, sink_, sizes_, renderer_));
  }

  // Posts step `seq` of `acts` for `ids` (empty: every env); returns its post number.
  uint64_t post(uint64_t seq, std::span<const int32_t> ids, std::span<const int32_t> acts) {
    const uint32_t slot = slot_of(seq);
    std::memcpy(const_cast<int32_t*>(session_->staged_actions(slot)), acts.data(), acts.size_bytes());
    if (!ids.empty()) std::memcpy(const_cast<int32_t*>(session_->staged_env_ids(slot)), ids.data(), ids.size_bytes());
    DoorbellBlock& d = session_->doorbell();
    const uint64_t p = ++posts_;
    DoorbellEntry& e = d.entries[p % kDoorbellDepth];
    shared(e.status).store(static_cast<uint32_t>(DoorbellStatus::Pending), std::memory_order_relaxed);
    shared(e.slot).store(slot, std::memory_order_relaxed);
    shared(e.n).store(static_cast<uint32_t>(acts.size()), std::memory_order_relaxed);
    shared(e.seq).store(seq, std::memory_order_relaxed);
    shared(d.posts).store(p, std::memory_order_release);
    signal(d.wake, d.engine_sleeping);
    return p;
  }

  // The doorbell block, for tests that play a client breaking the protocol.
  DoorbellBlock& block() { return session_->doorbell(); }
  void stage(uint32_t slot, std::span<const int32_t> ids, std::span<const int32_t> acts) {
    std::memcpy(const_cast<int32_t*>(session_->staged_actions(slot)), acts.data(), acts.size_bytes());
    std::memcpy(const_cast<int32_t*>(session_->staged_env_ids(slot)), ids.data(), ids.size_bytes());
  }

  // Waits (at most 10 s) for post `p`'s answer.
  DoorbellStatus wait(uint64_t p) {
    DoorbellBlock& d = session_->doorbell();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (shared(d.answered).load(std::memory_order_acquire) < p) {
      if (std::chrono::steady_clock::now() > give_up) {
        ADD_FAILURE() << "post " << p << " was not answered in 10 s";
        return DoorbellStatus::Pending;
      }
      std::this_thread::yield();
    }
    const auto status =
        static_cast<DoorbellStatus>(shared(d.entries[p % kDoorbellDepth].status).load(std::memory_order_relaxed));
    if (status == DoorbellStatus::Error) {
      last_error_.assign(reinterpret_cast<const char*>(d.reply), shared(d.reply_len).load(std::memory_order_relaxed));
    }
    return status;
  }

  // Row `row` of step `seq`'s slot: its observation, reward and done flag, as one number.
  uint64_t row(uint64_t seq, int row) const {
    const BatchView v = session_->slot_view(slot_of(seq));
    const auto r = static_cast<size_t>(row);
    uint64_t h = testing::fnv1a(v.obs + r * v.obs_env_stride, v.obs_env_stride);
    h = testing::fnv1a(reinterpret_cast<const uint8_t*>(&v.reward[r]), sizeof(float), h);
    return testing::fnv1a(&v.done[r], 1, h);
  }

 private:
  uint32_t slot_of(uint64_t seq) const { return static_cast<uint32_t>(seq % ring_); }

  uint32_t ring_;
  uint64_t posts_ = 0;
  std::string last_error_;  // the msgpack error map of the last Error answer waited for

 public:
  const std::string& last_error() const { return last_error_; }

 private:
  NullSink sink_;
  RenderSizeCap sizes_;
  SpectatorRenderer renderer_{sink_};
  std::unique_ptr<Session> session_;  // last: its worker uses everything above
};

int32_t action(int step, int env) { return (step * 5 + env * 3 + step * env) % kNumActions; }

// Every env's rows, step by step, from whole batches posted one at a time.
std::vector<std::vector<uint64_t>> one_batch_at_a_time(int num_envs, int steps) {
  BellSession s(1, num_envs, 2);
  std::vector<std::vector<uint64_t>> rows(static_cast<size_t>(steps));
  std::vector<int32_t> acts(static_cast<size_t>(num_envs));
  for (int k = 0; k < steps; ++k) {
    for (int e = 0; e < num_envs; ++e) acts[static_cast<size_t>(e)] = action(k, e);
    const uint64_t seq = 2 + static_cast<uint64_t>(k);
    EXPECT_EQ(s.wait(s.post(seq, {}, acts)), DoorbellStatus::Ok);
    for (int e = 0; e < num_envs; ++e) rows[static_cast<size_t>(k)].push_back(s.row(seq, e));
  }
  return rows;
}

// EnvPool's loop: the envs in `parts` batches, all in flight; each batch is posted again as
// soon as its answer is read. Every env's rows match whole batches one at a time.
TEST(StepStream, BatchesInFlightGiveEveryEnvTheRowsOfWholeBatches) {
  constexpr int kEnvs = 8;
  constexpr int kSteps = 40;
  const auto want = one_batch_at_a_time(kEnvs, kSteps);
  for (const int parts : {2, 4}) {
    const int size = kEnvs / parts;
    BellSession s(2, kEnvs, static_cast<uint32_t>(parts + 1));
    std::vector<std::vector<int32_t>> ids(static_cast<size_t>(parts));
    for (int b = 0; b < parts; ++b) {
      ids[static_cast<size_t>(b)].resize(static_cast<size_t>(size));
      std::iota(ids[static_cast<size_t>(b)].begin(), ids[static_cast<size_t>(b)].end(), b * size);
    }
    uint64_t seq = 1;
    std::vector<int32_t> acts(static_cast<size_t>(size));
    struct Posted {
      uint64_t post, seq;
      int step, batch;
    };
    std::vector<Posted> flight;
    const auto post = [&](int step, int batch) {
      for (int j = 0; j < size; ++j) acts[static_cast<size_t>(j)] = action(step, batch * size + j);
      ++seq;
      flight.push_back({s.post(seq, ids[static_cast<size_t>(batch)], acts), seq, step, batch});
    };
    for (int b = 0; b < parts; ++b) post(0, b);
    while (!flight.empty()) {
      const Posted p = flight.front();
      flight.erase(flight.begin());
      ASSERT_EQ(s.wait(p.post), DoorbellStatus::Ok) << "step " << p.step << " batch " << p.batch;
      for (int j = 0; j < size; ++j) {
        const int env = p.batch * size + j;
        ASSERT_EQ(s.row(p.seq, j), want[static_cast<size_t>(p.step)][static_cast<size_t>(env)])
            << parts << " batches: step " << p.step << " env " << env;
      }
      if (p.step + 1 < kSteps) post(p.step + 1, p.batch);
    }
  }
}

// Two batches in flight that both name envs 2 and 3: the second one waits for the first, so
// those envs step in post order, as one at a time.
TEST(StepStream, BatchesThatShareAnEnvRunInPostOrder) {
  const std::vector<int32_t> first_ids = {0, 1, 2, 3}, second_ids = {2, 3, 4, 5};
  const std::vector<int32_t> first_acts = {1, 2, 3, 4}, second_acts = {5, 6, 0, 2};
  std::vector<uint64_t> in_flight, one_at_a_time;
  for (const bool overlap : {true, false}) {
    BellSession s(3, 6, 4);
    for (int round = 0; round < 10; ++round) {
      const uint64_t seq = 2 + 2 * static_cast<uint64_t>(round);
      const uint64_t a = s.post(seq, first_ids, first_acts);
      if (!overlap) {
        ASSERT_EQ(s.wait(a), DoorbellStatus::Ok);
      }
      const uint64_t b = s.post(seq + 1, second_ids, second_acts);
      ASSERT_EQ(s.wait(a), DoorbellStatus::Ok);
      ASSERT_EQ(s.wait(b), DoorbellStatus::Ok) << s.last_error();
      auto& out = overlap ? in_flight : one_at_a_time;
      for (int j = 0; j < 4; ++j) out.push_back(s.row(seq, j));
      for (int j = 0; j < 4; ++j) out.push_back(s.row(seq + 1, j));
    }
  }
  EXPECT_EQ(in_flight, one_at_a_time);
}

// A bad batch posted behind a good one in flight: the good one is answered Ok, the bad one
// with its error, the one posted behind it is cancelled, and a retry of the bad seq runs.
TEST(StepStream, ABadBatchBehindAGoodOneFailsAloneAndItsSeqCanBeRetried) {
  BellSession s(4, 8, 4);
  const std::vector<int32_t> low = {0, 1, 2, 3}, high = {4, 5, 6, 7};
  const std::vector<int32_t> good = {1, 1, 1, 1}, bad = {1, 99, 1, 1};
  const uint64_t a = s.post(2, low, good);
  const uint64_t b = s.post(3, high, bad);
  const uint64_t c = s.post(4, low, good);
  EXPECT_EQ(s.wait(a), DoorbellStatus::Ok);
  EXPECT_EQ(s.wait(b), DoorbellStatus::Error);
  EXPECT_EQ(s.wait(c), DoorbellStatus::Cancelled);
  EXPECT_EQ(s.wait(s.post(3, high, good)), DoorbellStatus::Ok);
  const uint64_t d = s.post(4, low, good);
  const uint64_t e = s.post(5, high, good);
  EXPECT_EQ(s.wait(d), DoorbellStatus::Ok);
  EXPECT_EQ(s.wait(e), DoorbellStatus::Ok);
}

// A client that breaks the protocol (it shares the block, so it can write anything there):
// post numbers that jump ahead with batches in flight, a forged `answered` word followed by
// batches into slots and envs still in flight, and a post count of 2^64 - 1. The engine must
// neither crash nor touch memory it should not (the sanitizer build runs this too) nor hang
// its worker; the session still closes.
TEST(StepStream, AClientThatBreaksTheProtocolCannotCrashOrHangTheEngine) {
  // Batches of 32 envs: big enough to go to the pool's threads (smaller ones with nothing in
  // flight run at once on the worker, and nothing would be in flight).
  constexpr uint32_t kRing = 4;
  constexpr int kHalf = 32;
  BellSession s(5, 2 * kHalf, kRing);
  DoorbellBlock& d = s.block();
  std::vector<int32_t> low(kHalf), high(kHalf), acts(kHalf);
  std::iota(low.begin(), low.end(), 0);
  std::iota(high.begin(), high.end(), kHalf);
  for (int j = 0; j < kHalf; ++j) acts[static_cast<size_t>(j)] = action(j, j);
  uint64_t posts = 0, seq = 1;
  // Stages step `q` (envs alternating between the two halves) in entry `post`.
  const auto raw_post = [&](uint64_t post, uint64_t q) {
    const auto slot = static_cast<uint32_t>(q % kRing);
    s.stage(slot, q % 2 ? high : low, acts);
    DoorbellEntry& e = d.entries[post % kDoorbellDepth];
    shared(e.slot).store(slot, std::memory_order_relaxed);
    shared(e.n).store(kHalf, std::memory_order_relaxed);
    shared(e.seq).store(q, std::memory_order_relaxed);
  };
  const auto ring = [&](uint64_t p) {
    posts = p;
    shared(d.posts).store(p, std::memory_order_release);
    signal(d.wake, d.engine_sleeping);
  };
  for (int round = 0; round < 30; ++round) {
    // One batch in flight, then 15 more whose post numbers jump 14 ahead of it (their seqs
    // follow on, so only the post numbers are wrong).
    const uint64_t first = posts + 1;
    raw_post(first, ++seq);
    ring(first);
    for (uint64_t k = 0; k < 15; ++k) raw_post(first + 15 + k, ++seq);
    ring(first + 29);
    // A forged `answered` word, then a batch into the slot (and envs) of one still in flight.
    raw_post(posts + 1, ++seq);
    ring(posts + 1);
    shared(d.answered).store(uint64_t{1} << 62, std::memory_order_release);
    raw_post(posts + 1, seq + kRing);
    ring(posts + 1);
    seq += kRing;
  }
  // A post count that would wrap a loop over the posts around.
  ring(~uint64_t{0});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // The session closes here: a hung worker would time the test out.
}

}  // namespace
}  // namespace coinrun
