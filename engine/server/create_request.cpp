#include "create_request.h"

#include <cstdint>
#include <string>

#include "core/options.h"
#include "shm_layout.h"

namespace coinrun {
namespace {

OptionValue to_option_value(const std::string& key, const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::BOOLEAN: return o.via.boolean;
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > static_cast<uint64_t>(INT64_MAX)) break;
      return static_cast<int64_t>(o.via.u64);
    case msgpack::type::NEGATIVE_INTEGER: return o.via.i64;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return o.via.f64;
    case msgpack::type::STR: return std::string(o.via.str.ptr, o.via.str.size);
    default: break;
  }
  throw ProtocolError(ErrorCode::BadOption,
                      "option '" + key + "' must be a bool, number or string",
                      "see the option schema in the hello reply");
}

OptionMap option_values(const Fields& f) {
  OptionMap values;
  if (const msgpack::object* m = f.opt_map("options")) {
    for (uint32_t i = 0; i < m->via.map.size; ++i) {
      const auto& kv = m->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) {
        throw ProtocolError(ErrorCode::BadOption, "option names must be strings",
                            "send options as a map from name to value");
      }
      std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
      values[key] = to_option_value(key, kv.val);
    }
  }
  // The architecture's top-level create fields, accepted as shorthands for options.
  for (const char* k : {"game", "num_envs", "seed"}) {
    if (const msgpack::object* o = f.find(k)) {
      if (values.count(k)) {
        throw ProtocolError(ErrorCode::BadOption,
                            std::string("'") + k + "' given both as a field and as an option",
                            "give it once");
      }
      values[k] = to_option_value(k, *o);
    }
  }
  return values;
}

}  // namespace

SessionParams parse_create_request(const Fields& f, int default_threads, const std::string& engine_host) {
  const OptionMap values = option_values(f);
  PoolOptions base;
  base.num_threads = default_threads;
  SessionParams p;
  try {
    p.pool = parse_pool_options(values, base);
  } catch (const OptionError& e) {
    const std::string msg = e.what();
    const bool game = msg.rfind("unknown game", 0) == 0;
    throw ProtocolError(game ? ErrorCode::UnknownGame : ErrorCode::BadOption, msg,
                        game ? "use one of the games listed in the hello reply"
                             : "see the option schema in the hello reply");
  }
  const int64_t ring = f.opt_int("ring_depth").value_or(2);
  if (ring < 1 || ring > static_cast<int64_t>(kMaxRingDepth)) {
    throw ProtocolError(ErrorCode::BadOption,
                        "ring_depth " + std::to_string(ring) + " is out of range [1, " +
                            std::to_string(kMaxRingDepth) + "]",
                        "2 is enough for a synchronous loop");
  }
  p.ring_depth = static_cast<uint32_t>(ring);
  const std::string transport = f.opt_string("transport").value_or("shm");
  if (transport == "shm") {
    p.transport = Transport::Shm;
  } else if (transport == "inline") {
    p.transport = Transport::Inline;
  } else {
    throw ProtocolError(ErrorCode::BadOption,
                        "transport '" + transport + "' is not one of 'shm', 'inline'",
                        "use 'inline' for a client on another host");
  }
  p.client_pid = f.opt_int("client_pid").value_or(0);
  const std::string host = f.opt_string("client_host").value_or("");
  p.client_local = !host.empty() && host == engine_host;
  p.lease_s = f.opt_number("lease_s").value_or(0.0);
  if (p.lease_s < 0) throw ProtocolError(ErrorCode::BadOption, "lease_s must be >= 0", "0 disables the lease");
  p.label = f.opt_string("label").value_or("");
  p.doorbell = f.opt_bool("doorbell").value_or(false) && p.transport == Transport::Shm;
  return p;
}

}  // namespace coinrun
