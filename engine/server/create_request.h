#pragma once
// Reads a `create` request into the parameters of a new session: the pool options (through
// core/options.h, so that a bad value gets the same message everywhere) plus the session's
// own fields (ring depth, transport, client identity, lease, label, doorbell).
#include <string>

#include "protocol.h"
#include "session.h"

namespace coinrun {

// `default_threads` fills num_threads when the request leaves it out; `engine_host` tells a
// client on this host (whose pid can be watched) from a remote one. Throws ProtocolError
// (UnknownGame, BadOption, BadMessage).
SessionParams parse_create_request(const Fields& f, int default_threads, const std::string& engine_host);

}  // namespace coinrun
