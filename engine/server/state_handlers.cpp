// Env state wire handlers, protocol 1.1: `get_state` returns env states as bin
// values; `set_state` restores them and fills a ring slot as `reset` does. A refused state
// becomes BAD_STATE with {index, reason} and changes nothing (docs/protocol.md, docs/state.md).
#include <string>
#include <vector>

#include "core/env_state.h"
#include "session_handlers.h"

namespace coinrun {
namespace {

// Optional `env_ids`: a list of ints. Range and duplicate checks are EnvPool's (StateError).
std::vector<int32_t> env_ids_field(const Fields& f) {
  std::vector<int32_t> ids;
  const msgpack::object* a = f.opt_array("env_ids");
  if (!a) return ids;
  ids.reserve(a->via.array.size);
  for (uint32_t i = 0; i < a->via.array.size; ++i) {
    const msgpack::object& e = a->via.array.ptr[i];
    if (e.type != msgpack::type::POSITIVE_INTEGER || e.via.u64 > INT32_MAX) {
      throw ProtocolError(ErrorCode::BadMessage,
                          "env_ids[" + std::to_string(i) + "] is not a non-negative integer",
                          "send env ids in [0, num_envs)");
    }
    ids.push_back(static_cast<int32_t>(e.via.u64));
  }
  if (ids.empty()) {
    // An empty list would mean "every env" to EnvPool; refuse it rather than guess.
    throw ProtocolError(ErrorCode::BadMessage, "env_ids is empty",
                        "leave env_ids out to address every env");
  }
  return ids;
}

ProtocolError bad_state(const StateError& e) {
  return ProtocolError(ErrorCode::BadState, e.what(),
                       e.kind() == StateErrorKind::BadRequest
                           ? "send env ids in [0, num_envs), each once, one state per id"
                           : "pass bytes from get_state of the same game and options",
                       {{"index", e.index(), {}}, {"reason", std::nullopt, to_string(e.kind())}});
}

}  // namespace

void SessionHandlers::on_get_state(const Request& req) {
  const Fields f = req.fields();
  const std::vector<int32_t> ids = env_ids_field(f);
  std::vector<std::vector<uint8_t>> states;
  try {
    states = s_.pool().get_states(ids);
  } catch (const StateError& e) {
    throw bad_state(e);
  }
  MapWriter w = replies_.begin(req.id, "get_state_ok");
  auto pk = w.key("states");
  pk.pack_array(static_cast<uint32_t>(states.size()));
  for (const auto& st : states) {
    pk.pack_bin(static_cast<uint32_t>(st.size()));
    pk.pack_bin_body(reinterpret_cast<const char*>(st.data()), static_cast<uint32_t>(st.size()));
  }
  sink_.send(req, w.finish());
}

void SessionHandlers::on_set_state(const Request& req) {
  sequenced(req, "set_state_ok", [&](uint64_t seq, uint32_t slot, MapWriter& w) {
    const Fields f = req.fields();
    const msgpack::object* a = f.opt_array("states");
    if (!a) {
      throw ProtocolError(ErrorCode::BadMessage, "missing field 'states' (a list of bin)",
                          "send the bytes that get_state returned");
    }
    std::vector<std::vector<uint8_t>> states(a->via.array.size);
    for (uint32_t i = 0; i < a->via.array.size; ++i) {
      const msgpack::object& e = a->via.array.ptr[i];
      if (e.type != msgpack::type::BIN) {
        throw ProtocolError(ErrorCode::BadMessage, "states[" + std::to_string(i) + "] is not bin",
                            "send each state as msgpack bin (Python bytes)");
      }
      const auto* p = reinterpret_cast<const uint8_t*>(e.via.bin.ptr);
      states[i].assign(p, p + e.via.bin.size);
    }
    const std::vector<int32_t> ids = env_ids_field(f);
    try {
      s_.set_state(seq, slot, states, ids);
    } catch (const StateError& e) {
      throw bad_state(e);
    }
    w.add("n", s_.num_envs());
  });
}

}  // namespace coinrun
