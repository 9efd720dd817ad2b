#pragma once
// One decoded request as the handlers see it. Shared by server.cpp and server_state.cpp.
#include <zmq.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol.h"
#include "server.h"

namespace coinrun {

struct Server::Request {
  const zmq::message_t* identity;
  bool delimiter;  // a REQ-style empty frame followed the identity; echo it
  std::string_view type;
  int64_t id = 0;
  const Fields* fields = nullptr;
  std::vector<std::string_view> payload;  // frames after the map
};

}  // namespace coinrun
