#pragma once
// Where a handler's reply goes: straight onto the socket (the Listener, on the request
// thread) or into the Outbox (outbox.h) from a session's worker thread.
#include <cstdint>
#include <span>

#include "request.h"

namespace coinrun {

class ReplySink {
 public:
  virtual ~ReplySink() = default;
  // Sends `map` (and one payload frame when non-empty) to the request's peer. Never throws:
  // a reply that cannot be delivered is dropped, and the client's timeout reports it.
  virtual void send(const Request& req, std::span<const char> map, std::span<const uint8_t> payload) = 0;
  void send(const Request& req, const msgpack::sbuffer& map, std::span<const uint8_t> payload = {}) {
    send(req, std::span<const char>(map.data(), map.size()), payload);
  }
};

}  // namespace coinrun
