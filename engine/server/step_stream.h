#pragma once
// The doorbell's steps in flight (docs/protocol.md, "Doorbell"; docs/performance.md, "Async
// against sync, paired"). A client in EnvPool's loop keeps several batches posted; each one starts on the
// pool's threads as soon as it is posted, without waiting for the one before it to end: the
// pool hands out chunks oldest batch first with no barrier between batches, so a thread that
// has no chunk of one batch left takes chunks of the next instead of waiting for the last
// chunk of the first (on a machine whose cores the client also needs, that chunk may sit on
// a preempted thread). Batches are answered in post order, by whichever thread finishes one.
//
// Results do not depend on this overlap: two batches in flight never name the same env (a
// batch that does waits for the steps in flight to end), and every env owns its random
// streams, so each env sees the same actions in the same order as with one batch at a time.
//
// Threads: try_start, finish and the destructor run on the session's worker; the answers
// are written by whichever pool thread ends a batch.
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "doorbell.h"
#include "reply_encoding.h"
#include "session.h"

namespace coinrun {

// Writes the answer to doorbell post `post` (its entry, then `answered`); the caller then
// signals the client. `error`: the error map of a failed step (status Error).
void answer_doorbell_post(DoorbellBlock& d, uint64_t post, DoorbellStatus status, uint64_t step_us,
                          uint32_t step_threads, const msgpack::sbuffer* error = nullptr);

class StepStream {
 public:
  // What finish() leaves for the session's sequence state: the last step answered Ok since
  // the previous finish (if any), and the seq of a step that failed (0: none).
  struct Finished {
    std::optional<uint64_t> seq;  // the last successful step
    uint32_t slot = 0;
    int64_t n = 0;
    uint64_t step_us = 0;
    uint64_t failed_seq = 0;
  };

  explicit StepStream(Session& s);
  // Waits for the steps in flight (their pool jobs point here).
  ~StepStream();
  StepStream(const StepStream&) = delete;
  StepStream& operator=(const StepStream&) = delete;

  // Starts doorbell post `post` (step `seq` of n envs whose actions, and env ids for n < N,
  // are staged in `slot`) when it may overlap the steps in flight: seq follows the last seq,
  // the slot holds no step in flight, the batch is valid and names no env a step in flight
  // names. Otherwise false, and nothing started: the caller finishes the stream and runs the
  // post in order, with the checks and error replies of one step at a time.
  bool try_start(uint64_t post, uint64_t seq, uint32_t slot, int64_t n);
  // Waits until every step started is answered.
  Finished finish();
  // Steps started since the last finish().
  bool pending() const { return last_started_ > last_finished_; }

 private:
  struct Step {
    StepStream* stream = nullptr;
    // Written by the worker while the step is not in flight (the answering threads are done
    // with it once last_answered_ reaches its post).
    std::vector<int32_t> actions;  // private copies: the client cannot change them mid-step
    std::vector<int32_t> env_ids;
    std::span<const int32_t> acts;  // the batch: its n actions, and its env ids (empty: every env)
    std::span<const int32_t> ids;
    // Written by the worker under mu_ as the step starts.
    BatchView out{};
    uint64_t post = 0;
    uint64_t seq = 0;
    uint32_t slot = 0;
    int64_t started_ns = 0;
    ThreadPool::Ticket ticket = 0;
    // Written by the thread that ends the step, under mu_.
    bool ended = false;
    uint64_t step_us = 0;
    std::exception_ptr error;
  };

  static void run(void* ctx, int begin, int end);
  static void done(void* ctx, std::exception_ptr error) noexcept;
  // Answers every ended step at the head of the post order (under mu_).
  void answer_ready() noexcept;
  uint64_t answered() const;
  bool overlaps_flight(const Step& st) const;

  Session& s_;
  DoorbellBlock& d_;
  std::vector<Step> slots_;                          // one per ring slot
  std::array<Step*, kDoorbellDepth> by_post_{};      // post p's step at p % kDoorbellDepth
  std::vector<uint64_t> env_post_;                   // per env: the last post that stepped it
  uint64_t full_post_ = 0;                           // the last post of every env
  uint64_t last_started_ = 0;                        // post numbers, on the worker
  uint64_t last_finished_ = 0;                       // last_started_ at the last finish()
  uint64_t last_seq_ = 0;                            // seq of the last post started

  std::mutex mu_;  // the answers, in post order
  // The last post this stream answered: written under mu_ once the answering thread is done
  // with the step; read by the worker without the lock to know which steps it may reuse.
  std::atomic<uint64_t> last_answered_{0};
  uint64_t started_for_answers_ = 0;  // last_started_, as the answering threads see it (mu_)
  uint64_t failed_seq_ = 0;       // a step that threw: the later ones are cancelled (mu_)
  Finished last_ok_;              // the last step answered Ok since the last finish (mu_)
  ReplyEncoder errors_;           // under mu_
};

}  // namespace coinrun
