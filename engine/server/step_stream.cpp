#include "step_stream.h"

#include <algorithm>
#include <cstring>

#include "base/spin.h"

namespace coinrun {

void answer_doorbell_post(DoorbellBlock& d, uint64_t post, DoorbellStatus status, uint64_t step_us,
                          uint32_t step_threads, const msgpack::sbuffer* error) {
  DoorbellEntry& e = d.entries[post % kDoorbellDepth];
  if (error) {
    const size_t len = std::min(error->size(), sizeof(d.reply));
    std::memcpy(d.reply, error->data(), len);
    shared(d.reply_len).store(static_cast<uint32_t>(len), std::memory_order_relaxed);
  }
  shared(e.step_us).store(step_us, std::memory_order_relaxed);
  shared(d.step_threads).store(step_threads, std::memory_order_relaxed);
  shared(e.status).store(static_cast<uint32_t>(status), std::memory_order_relaxed);
  shared(d.answered).store(post, std::memory_order_release);
}

StepStream::StepStream(Session& s) : s_(s), d_(s.doorbell()) {
  const auto num = static_cast<size_t>(s.num_envs());
  slots_.resize(s.params().ring_depth);
  for (Step& st : slots_) {
    st.stream = this;
    st.actions.resize(num);
    st.env_ids.resize(num);
  }
  env_post_.assign(num, 0);
}

StepStream::~StepStream() { finish(); }

uint64_t StepStream::answered() const { return last_answered_.load(std::memory_order_acquire); }

bool StepStream::overlaps_flight(const Step& st) const {
  const uint64_t done = answered();
  if (full_post_ > done) return true;  // a batch of every env is in flight
  if (st.ids.empty()) return last_started_ > done;  // this one is of every env
  for (const int32_t e : st.ids) {
    if (env_post_[static_cast<size_t>(e)] > done) return true;
  }
  return false;
}

bool StepStream::try_start(uint64_t post, uint64_t seq, uint32_t slot, int64_t n) {
  const bool first = !pending();  // the first step since the stream last finished
  const uint64_t expected = (first ? s_.last_seq() : last_seq_) + 1;
  const int num = s_.num_envs();
  if (seq != expected || slot >= slots_.size() || n < 1 || n > num) return false;
  // Posts in flight are numbered without a gap (their answers go out in that order).
  if (!first && post != last_started_ + 1) return false;
  Step& st = slots_[slot];
  // The client reused a slot still in flight. (Every check here reads the stream's own
  // record of what it answered, never the shared block, which the client can write.)
  if (st.post > answered()) return false;
  const auto count = static_cast<size_t>(n);
  std::memcpy(st.actions.data(), s_.staged_actions(slot), count * sizeof(int32_t));
  st.acts = {st.actions.data(), count};
  st.ids = {};
  if (n < num) {
    std::memcpy(st.env_ids.data(), s_.staged_env_ids(slot), count * sizeof(int32_t));
    st.ids = {st.env_ids.data(), count};
  }
  try {
    s_.pool().check_step(st.ids, st.acts);
  } catch (const ActionError&) {
    return false;  // run in order, where the error is answered
  }
  if (overlaps_flight(st)) return false;
  const bool alone = last_started_ <= answered();  // no other step in flight
  {
    // Everything the answering threads read of this step is in place before they may look
    // at it (started_for_answers_).
    std::lock_guard lock(mu_);
    if (failed_seq_ != 0) return false;  // the steps behind a failure are cancelled in order
    if (first) last_answered_.store(post - 1, std::memory_order_release);  // earlier posts: one at a time
    st.post = post;
    st.seq = seq;
    st.slot = slot;
    st.out = s_.slot_view(slot);
    st.ended = false;
    st.error = nullptr;
    st.started_ns = monotonic_ns();
    by_post_[post % kDoorbellDepth] = &st;
    started_for_answers_ = post;
  }
  for (const int32_t e : st.ids) env_post_[static_cast<size_t>(e)] = post;
  if (st.ids.empty()) full_post_ = post;
  last_started_ = post;
  last_seq_ = seq;
  EnvPool& pool = s_.pool();
  const int chunk = pool.chunk_size(static_cast<int>(n));
  if (alone && n <= chunk) {
    // A small batch with nothing beside it (a sync step of a few envs): run it here at once,
    // as the pool's caller would, rather than hand it over (a sleeping worker's wake-up costs
    // more than such a batch takes).
    st.ticket = 0;
    std::exception_ptr error;
    try {
      run(&st, 0, static_cast<int>(n));
    } catch (...) {
      error = std::current_exception();
    }
    done(&st, error);
    return true;
  }
  st.ticket = pool.threads().submit(static_cast<int>(n), chunk, PoolJob{&StepStream::run, &StepStream::done, &st});
  return true;
}

void StepStream::run(void* ctx, int begin, int end) {
  const Step& st = *static_cast<const Step*>(ctx);
  st.stream->s_.pool().step_rows(st.ids, st.acts, st.out, begin, end);
}

void StepStream::done(void* ctx, std::exception_ptr error) noexcept {
  Step& st = *static_cast<Step*>(ctx);
  StepStream& self = *st.stream;
  const auto us = static_cast<uint64_t>((monotonic_ns() - st.started_ns) / 1000);
  std::lock_guard lock(self.mu_);
  st.ended = true;
  st.step_us = us;
  st.error = error;
  self.answer_ready();
}

void StepStream::answer_ready() noexcept {
  bool any = false;
  for (uint64_t post = last_answered_.load(std::memory_order_relaxed) + 1; post <= started_for_answers_; ++post) {
    const Step* started = by_post_[post % kDoorbellDepth];
    if (started == nullptr || started->post != post || !started->ended) break;
    const Step& st = *started;
    // Read the step before its answer goes out: from then on the client may post into its
    // slot again, and the worker reuses the step once last_answered_ says so.
    const uint64_t seq = st.seq, us = st.step_us;
    const uint32_t slot = st.slot;
    const auto n = static_cast<int64_t>(st.acts.size());
    const auto threads = static_cast<uint32_t>(s_.pool().threads_for(static_cast<int>(n)));
    if (failed_seq_ != 0) {
      // Behind a step that threw: an engine fault (out of memory), never a bad batch (those
      // never start here). Like a fault in a batch run alone, it leaves envs partly stepped;
      // the batches already started behind it may have stepped too but are answered
      // cancelled, so the client's seq stays in step with the engine's (docs/protocol.md).
      answer_doorbell_post(d_, post, DoorbellStatus::Cancelled, us, threads);
    } else if (st.error) {
      failed_seq_ = seq;
      const msgpack::sbuffer* map = nullptr;
      try {
        map = &errors_.error(0, as_protocol_error(st.error));
      } catch (...) {
        // No memory even for the error map: the client gets the status without it.
      }
      answer_doorbell_post(d_, post, DoorbellStatus::Error, us, threads, map);
    } else {
      last_ok_ = Finished{seq, slot, n, us, 0};
      s_.announce(seq, slot);
      answer_doorbell_post(d_, post, DoorbellStatus::Ok, us, threads);
    }
    last_answered_.store(post, std::memory_order_release);
    any = true;
  }
  if (any) signal(d_.answer_signal, d_.client_sleeping);
}

StepStream::Finished StepStream::finish() {
  if (!pending()) return {};
  // At most one step per slot is in flight; a ticket that finished long ago returns at once.
  for (const Step& st : slots_) {
    if (st.ticket != 0) s_.pool().threads().await(st.ticket);
  }
  std::lock_guard lock(mu_);
  Finished f = std::exchange(last_ok_, Finished{});
  f.failed_seq = std::exchange(failed_seq_, 0);
  last_finished_ = last_started_;
  return f;
}

}  // namespace coinrun
