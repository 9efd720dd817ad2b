#pragma once
// The live sessions of one engine: creating them within the engine-wide quota (session
// count, shared-memory budget; docs/reliability.md), finding one by the id a request names,
// closing them, and reclaiming those whose client died or whose lease expired.
#include <cstdint>
#include <map>
#include <memory>
#include <random>

#include "protocol.h"
#include "session.h"

namespace coinrun {

class SessionRegistry {
 public:
  SessionRegistry(uint32_t engine_pid, int log_level);
  ~SessionRegistry();
  SessionRegistry(const SessionRegistry&) = delete;
  SessionRegistry& operator=(const SessionRegistry&) = delete;

  // Throws ProtocolError(Resource) when the quota would be exceeded, and whatever the
  // Session constructor throws (ShmError, std::bad_alloc); nothing is registered then.
  Session& create(SessionParams params);
  // The session named by the request's `session` field; throws ProtocolError (BadMessage,
  // NoSession).
  Session& find(const Fields& request);
  void close(uint64_t id, const char* why);
  void close_all() { sessions_.clear(); }
  // Closes abandoned sessions and bumps the others' heartbeats (engine uptime in ms).
  void reap(Clock::time_point now, uint64_t uptime_ms);

  size_t size() const { return sessions_.size(); }
  auto begin() const { return sessions_.begin(); }
  auto end() const { return sessions_.end(); }

 private:
  uint32_t engine_pid_;
  int log_level_;
  std::map<uint64_t, std::unique_ptr<Session>> sessions_;
  std::mt19937_64 id_rng_;
  uint32_t next_session_ = 1;
};

}  // namespace coinrun
