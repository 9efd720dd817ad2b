#include "session.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>

#include "core/game.h"
#include "protocol.h"
#include "session_worker.h"

namespace coinrun {
namespace {

std::string shm_name(uint32_t engine_pid, uint64_t id) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "/coinrun.%u.%016llx", engine_pid,
                static_cast<unsigned long long>(id));
  return buf;
}

// The wire form of a refused batch (the pool validated it; docs/protocol.md, BAD_ACTION).
ProtocolError bad_action(const ActionError& e) {
  const char* hint = "send n actions in [0, n_actions)";
  switch (e.kind()) {
    case BatchErrorKind::WrongCount: break;
    case BatchErrorKind::BadAction: hint = "send actions in [0, n_actions)"; break;
    case BatchErrorKind::EnvIdOutOfRange: hint = "send env ids in [0, num_envs)"; break;
    case BatchErrorKind::EnvIdRepeated: hint = "send each env id at most once per batch"; break;
  }
  return ProtocolError(ErrorCode::BadAction, e.what(), hint,
                       {{"env", e.env(), {}}, {"value", e.value(), {}}, {"low", 0, {}},
                        {"high", e.limit(), {}}});
}

}  // namespace

Session::Session(uint64_t id, SessionParams params, uint32_t engine_pid)
    : id_(id), params_(std::move(params)), pool_(params_.pool) {
  const auto n = static_cast<uint32_t>(pool_.num_envs());
  layout_ = ShmLayout::compute(n, params_.ring_depth, static_cast<uint32_t>(pool_.obs_channels()));
  if (params_.transport == Transport::Shm) {
    shm_ = std::make_unique<ShmSegment>(shm_name(engine_pid, id_), layout_.total_bytes);
    base_ = shm_->data();
  } else {
    inline_buf_.assign(layout_.total_bytes, 0);
    base_ = inline_buf_.data();
  }
  slots_ = base_ + kShmHeaderBytes;
  layout_.write_header(base_, id_, engine_pid, kNumActions);
  actions_.resize(n);
  env_ids_.resize(n);
  params_.doorbell = params_.doorbell && params_.transport == Transport::Shm;
}

Session::~Session() {
  worker_.reset();  // joins the thread that uses everything below
  if (base_) {
    std::atomic_ref<uint32_t> state(reinterpret_cast<ShmHeader*>(base_)->state);
    state.store(static_cast<uint32_t>(ShmState::Closing), std::memory_order_release);
    // A client waiting on the doorbell learns at once that no answer will come.
    DoorbellBlock& d = doorbell();
    shared(d.closed).store(1);
    shared(d.answer_signal).fetch_add(1);
    futex_wake_all(d.answer_signal);
  }
}

void Session::cache_reply(const char* data, size_t size, uint32_t slot, bool has_payload) {
  cached_reply_.assign(data, data + size);
  cached_slot_ = slot;
  cached_has_payload_ = has_payload;
}

void Session::check_sequence(int64_t seq, int64_t slot) const {
  if (seq != static_cast<int64_t>(last_seq_) + 1) {
    throw ProtocolError(ErrorCode::BadSequence,
                        "seq " + std::to_string(seq) + " is out of order; expected " +
                            std::to_string(last_seq_ + 1),
                        "send seq = last seq + 1 (or repeat the last seq to get its reply again)",
                        {{"expected", static_cast<int64_t>(last_seq_ + 1), {}},
                         {"got", seq, {}}});
  }
  if (slot < 0 || slot >= static_cast<int64_t>(params_.ring_depth)) {
    throw ProtocolError(ErrorCode::BadSequence,
                        "slot " + std::to_string(slot) + " is out of range [0, " +
                            std::to_string(params_.ring_depth) + ")",
                        "use slot = seq % ring_depth",
                        {{"slot", slot, {}}, {"ring_depth", params_.ring_depth, {}}});
  }
}

void Session::step(uint64_t seq, uint32_t slot, int64_t n, std::string_view inline_actions,
                   std::string_view inline_env_ids) {
  const int num = num_envs();
  if (n < 1 || n > num) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "batch size n = " + std::to_string(n) + " is out of range [1, " +
                            std::to_string(num) + "]",
                        "send n between 1 and num_envs");
  }
  const bool subset = n < num;
  const size_t bytes = static_cast<size_t>(n) * sizeof(int32_t);
  if (params_.transport == Transport::Inline) {
    if (inline_actions.size() != bytes || (subset && inline_env_ids.size() != bytes)) {
      throw ProtocolError(ErrorCode::BadMessage,
                          "inline step needs " + std::to_string(bytes) +
                              " bytes of int32 actions" + (subset ? " and of env ids" : "") +
                              ", got " + std::to_string(inline_actions.size()) +
                              (subset ? " and " + std::to_string(inline_env_ids.size()) : ""),
                          "send n little-endian int32 actions as frame 1 (env ids as frame 2)");
    }
    std::memcpy(actions_.data(), inline_actions.data(), bytes);
    if (subset) std::memcpy(env_ids_.data(), inline_env_ids.data(), bytes);
  } else {
    std::memcpy(actions_.data(), staged_actions(slot), bytes);
    if (subset) std::memcpy(env_ids_.data(), staged_env_ids(slot), bytes);
  }
  // The pool validates the private copies (the client cannot change them mid-step) before
  // any env steps.
  const std::span<const int32_t> acts(actions_.data(), static_cast<size_t>(n));
  const BatchView view = layout_.batch_view(slots_, slot);
  try {
    if (subset) {
      pool_.step_subset(std::span<const int32_t>(env_ids_.data(), static_cast<size_t>(n)), acts, view);
    } else {
      pool_.step(acts, view);
    }
  } catch (const ActionError& e) {
    throw bad_action(e);
  }
  stepped(seq, slot, n);
  announce(seq, slot);
}

void Session::stepped(uint64_t seq, uint32_t slot, int64_t n) {
  last_seq_ = seq;
  last_full_slot_ = n < num_envs() ? -1 : static_cast<int>(slot);
}

void Session::announce(uint64_t seq, uint32_t slot) {
  steps_.fetch_add(1, std::memory_order_relaxed);
  store_slot_seq(seq, slot);
}

void Session::reset(uint64_t seq, uint32_t slot, std::optional<uint32_t> seed,
                    std::optional<std::string_view> mask, std::vector<uint32_t> level_seeds) {
  const int num = num_envs();
  std::span<const uint8_t> mask_span;
  if (mask) {
    if (mask->size() != static_cast<size_t>(num)) {
      throw ProtocolError(ErrorCode::BadMessage,
                          "reset mask has " + std::to_string(mask->size()) +
                              " bytes, expected num_envs = " + std::to_string(num),
                          "send one byte per env (nonzero = reset)");
    }
    mask_span = {reinterpret_cast<const uint8_t*>(mask->data()), mask->size()};
  }
  const BatchView view = layout_.batch_view(slots_, slot);
  try {
    pool_.reset(view, seed, mask_span, level_seeds);
  } catch (const OptionError& e) {
    throw ProtocolError(ErrorCode::BadOption, e.what(), "one level seed per reset env");
  }
  if (!mask_span.empty()) fill_unreset_rows(slot, mask_span);
  last_full_slot_ = static_cast<int>(slot);
  publish(seq, slot);
}

void Session::set_state(uint64_t seq, uint32_t slot,
                        std::span<const std::vector<uint8_t>> states,
                        std::span<const int32_t> env_ids) {
  const BatchView view = layout_.batch_view(slots_, slot);
  pool_.set_states(states, env_ids, view);  // checks every state (and id) before any change
  const auto num = static_cast<size_t>(num_envs());
  if (!env_ids.empty()) {
    // Not per step: a restore is rare, so the mask is built here rather than kept.
    std::vector<uint8_t> mask(num, 0);
    for (const int32_t e : env_ids) mask[static_cast<size_t>(e)] = 1;
    fill_unreset_rows(slot, mask);
  }
  last_full_slot_ = static_cast<int>(slot);
  publish(seq, slot);
}

void Session::fill_unreset_rows(uint32_t slot, std::span<const uint8_t> mask) {
  // Rows of envs that were not reset must still show their latest observation: copy them
  // from the slot that holds every env's latest row, or redraw when there is none (only
  // after an async batch; redrawing advances the augmentation stream, so prefer the copy).
  const BatchView dst = layout_.batch_view(slots_, slot);
  const int num = num_envs();
  const bool can_copy = last_full_slot_ >= 0 && static_cast<uint32_t>(last_full_slot_) != slot;
  const BatchView src =
      can_copy ? layout_.batch_view(slots_, static_cast<uint32_t>(last_full_slot_)) : dst;
  for (int i = 0; i < num; ++i) {
    const auto r = static_cast<size_t>(i);
    if (mask[r]) continue;  // written by the reset or restore itself
    uint8_t* obs = dst.obs + r * dst.obs_env_stride;
    if (can_copy) {
      std::memcpy(obs, src.obs + r * src.obs_env_stride, dst.obs_env_stride);
    } else if (static_cast<int>(slot) != last_full_slot_) {
      pool_.env(i).observe(obs);
    }
    write_unstepped_columns(dst, r, pool_.env(i).state().level_seed);
  }
}

void Session::publish(uint64_t seq, uint32_t slot) {
  last_seq_ = seq;
  store_slot_seq(seq, slot);
}

void Session::store_slot_seq(uint64_t seq, uint32_t slot) {
  std::atomic_ref<uint64_t>(slot_seq_ptr(base_)[slot]).store(seq, std::memory_order_release);
}

std::span<const uint8_t> Session::slot_bytes(uint32_t slot) const {
  return {layout_.slot_ptr(slots_, slot), layout_.slot_bytes};
}

bool Session::abandoned(Clock::time_point now) const {
  if (params_.client_local && params_.client_pid > 0) {
    if (::kill(static_cast<pid_t>(params_.client_pid), 0) != 0 && errno == ESRCH) return true;
  }
  if (params_.lease_s > 0) {
    const Clock::time_point last{Clock::duration(last_active_.load(std::memory_order_relaxed))};
    const std::chrono::duration<double> idle = now - last;
    if (idle.count() > params_.lease_s) return true;
  }
  return false;
}

void Session::heartbeat(uint64_t uptime_ms) {
  std::atomic_ref<uint64_t> hb(reinterpret_cast<ShmHeader*>(base_)->heartbeat);
  hb.store(uptime_ms, std::memory_order_relaxed);
}

void Session::attach_worker(std::unique_ptr<SessionWorker> worker) { worker_ = std::move(worker); }

void Session::post(std::unique_ptr<InboundRequest> in) { worker_->post(std::move(in)); }

}  // namespace coinrun
