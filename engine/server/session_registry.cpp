#include "session_registry.h"

#include <sys/statvfs.h>

#include <iostream>
#include <string>

#include "render/observation.h"

namespace coinrun {
namespace {

// Engine-wide resource limits (docs/reliability.md): one client cannot exhaust the machine.
// At most this many live sessions, and all their segments together within this fraction of
// /dev/shm (segments are fully reserved with posix_fallocate, so they are real memory).
constexpr size_t kMaxSessions = 64;
constexpr double kShmBudgetFraction = 0.5;
constexpr uint64_t kFallbackShmBudget = uint64_t{4} << 30;

uint64_t shm_budget_bytes() {
  static const uint64_t budget = [] {
    struct statvfs st {};
    if (::statvfs("/dev/shm", &st) != 0 || st.f_blocks == 0) return kFallbackShmBudget;
    return static_cast<uint64_t>(static_cast<double>(st.f_blocks) * st.f_frsize * kShmBudgetFraction);
  }();
  return budget;
}

// Upper bound of a segment's size (observations dominate), for the budget check.
uint64_t segment_bytes_bound(uint64_t envs, uint64_t ring) {
  return envs * ring * (kObsSide * kObsSide * 3 + 256);
}

}  // namespace

SessionRegistry::SessionRegistry(uint32_t engine_pid, int log_level)
    : engine_pid_(engine_pid), log_level_(log_level), id_rng_(std::random_device{}()) {}

SessionRegistry::~SessionRegistry() = default;

Session& SessionRegistry::create(SessionParams p) {
  if (sessions_.size() >= kMaxSessions) {
    throw ProtocolError(ErrorCode::Resource,
                        "this engine already serves " + std::to_string(sessions_.size()) +
                            " sessions, the most it allows",
                        "close sessions you no longer use, or start another engine");
  }
  uint64_t used = 0;
  for (const auto& [sid, other] : sessions_) {
    used += segment_bytes_bound(static_cast<uint64_t>(other->num_envs()), other->params().ring_depth);
  }
  const uint64_t want = segment_bytes_bound(static_cast<uint64_t>(p.pool.num_envs), p.ring_depth);
  if (used + want > shm_budget_bytes()) {
    throw ProtocolError(ErrorCode::Resource,
                        "a session of " + std::to_string(p.pool.num_envs) + " envs x ring_depth " +
                            std::to_string(p.ring_depth) + " needs about " + std::to_string(want >> 20) +
                            " MiB of shared memory; this engine's budget is " +
                            std::to_string(shm_budget_bytes() >> 20) + " MiB with " +
                            std::to_string(used >> 20) + " MiB in use",
                        "use fewer envs or a smaller ring_depth, or close other sessions");
  }
  // Random high bits make stale ids from an earlier engine unlikely to match; kept below 2^63
  // so that every client language reads them as a plain integer.
  const uint64_t id = (id_rng_() & 0x7fffffff00000000ULL) | next_session_++;
  auto session = std::make_unique<Session>(id, std::move(p), engine_pid_);
  Session& s = *session;
  sessions_.emplace(id, std::move(session));
  return s;
}

Session& SessionRegistry::find(const Fields& f) {
  const msgpack::object* raw = f.find("session");
  if (!raw || raw->type != msgpack::type::POSITIVE_INTEGER) {
    throw ProtocolError(ErrorCode::BadMessage,
                        raw ? "field 'session' must be a non-negative integer" : "missing field 'session'",
                        "send the session id from the create reply");
  }
  const uint64_t sid = raw->via.u64;
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) {
    throw ProtocolError(ErrorCode::NoSession, "no session " + std::to_string(sid) +
                                                  " (closed, reclaimed, or never created)",
                        "create a new session");
  }
  return *it->second;
}

void SessionRegistry::close(uint64_t id, const char* why) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  if (log_level_ >= 1) {
    std::cerr << "coinrun-engine: session " << std::hex << id << std::dec << " closed (" << why
              << ")\n";
  }
  sessions_.erase(it);
}

void SessionRegistry::reap(Clock::time_point now, uint64_t uptime_ms) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->abandoned(now)) {
      const uint64_t id = it->first;
      ++it;
      close(id, "client gone or lease expired");
    } else {
      it->second->heartbeat(uptime_ms);
      ++it;
    }
  }
}

}  // namespace coinrun
