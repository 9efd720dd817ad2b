#pragma once
// How replies are encoded: the envelope every reply starts with, error replies, and the
// bodies of the replies that describe the engine (hello), a new session (create) and the
// live sessions (list_sessions). docs/protocol.md is the reference for every field.
#include <msgpack.hpp>

#include <cstdint>
#include <exception>
#include <string_view>

#include "protocol.h"
#include "session.h"
#include "session_registry.h"

namespace coinrun {

// Owns the buffers that replies are built in: reused across requests, so building a reply
// allocates nothing once they have grown. One reply at a time.
class ReplyEncoder {
 public:
  // A reply map that already holds `v`, `type` and `id`.
  MapWriter begin(int64_t id, std::string_view type);
  // The whole error reply (message bounded so that it fits the doorbell block).
  const msgpack::sbuffer& error(int64_t id, const ProtocolError& e);

 private:
  msgpack::sbuffer body_;
  msgpack::sbuffer out_;
};

// hello_ok: versions, the games, the option schema, the limits and the features.
void write_hello(MapWriter& w, uint32_t engine_pid);
// create_ok: the session's id, segment or transport, region table, spaces and resolved options.
void write_create(MapWriter& w, const Session& s);
// sessions: one entry per live session; `created_s` counts from `engine_start`.
void write_sessions(MapWriter& w, const SessionRegistry& sessions, Clock::time_point engine_start);

const char* transport_name(Transport t);

// The error reply for whatever a request threw: its own ProtocolError, or the code that fits
// the exception (OptionError: BAD_OPTION, ShmError and bad_alloc: RESOURCE, else INTERNAL).
ProtocolError as_protocol_error(std::exception_ptr thrown);

}  // namespace coinrun
