#pragma once
// One decoded request as the handlers see it: where to send the reply, the envelope fields
// and the request map. Built by the Listener (listener.h), used by the RequestHandlers.
#include <msgpack.hpp>
#include <zmq.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol.h"

namespace coinrun {

struct Request {
  const zmq::message_t* identity = nullptr;
  bool delimiter = false;  // a REQ-style empty frame followed the identity; echo it
  std::string_view type = "error";
  int64_t id = 0;
  msgpack::object_handle message;         // frame 0, decoded; a map once `type` is set
  std::vector<std::string_view> payload;  // frames after the map

  Fields fields() const { return Fields(message.get()); }
};

// A received message and the Request that points into it, kept together (on the heap, so
// the pointers stay valid) while the request waits for its session's worker.
struct InboundRequest {
  std::vector<zmq::message_t> frames;
  Request req;
};

}  // namespace coinrun
