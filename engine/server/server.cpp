#include "server.h"
#include "request.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "core/game.h"
#include "core/game_registry.h"
#include "core/options.h"

namespace coinrun {
namespace {

// How often the loop wakes up without traffic: bounds how late a dead parent, a dead
// client or a stop signal is noticed.
constexpr int kTickMs = 200;
constexpr int kMaxRenderSide = 2048;
constexpr int kMinRenderSide = 16;
// Each new render size makes the renderer build (and keep) sprites scaled for it; capping the
// number of sizes bounds that memory so no client can grow the engine without limit.
constexpr size_t kMaxRenderSizes = 32;
constexpr int kDefaultRenderSide = 512;  // docs/rules.md §7.12 viewing size
constexpr size_t kMaxPayloadFrames = 3;
constexpr int64_t kMaxMessageBytes = 16 << 20;
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

// Constant-time comparison, so that the reply time does not leak how much of a token matched.
bool token_matches(std::string_view got, std::string_view want) {
  unsigned diff = got.size() == want.size() ? 0u : 1u;
  for (size_t i = 0; i < want.size(); ++i) {
    diff |= static_cast<unsigned>(static_cast<uint8_t>(want[i]) ^
                                  static_cast<uint8_t>(i < got.size() ? got[i] : 0));
  }
  return diff == 0;
}

std::atomic<bool> g_stop{false};

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

struct OptionSchema {
  const char* type;
  OptionValue def;
};

// Types and defaults of the options that options.cpp parses, for the hello reply (the
// client builds its option checks from this instead of keeping its own list).
OptionSchema schema_of(const std::string& name) {
  const PoolOptions d;
  if (name == "game") return {"string", d.game};
  if (name == "num_envs") return {"int", int64_t{d.num_envs}};
  if (name == "num_levels") return {"int", int64_t{d.num_levels}};
  if (name == "set_seed") return {"int", d.set_seed};
  if (name == "high_difficulty") return {"bool", d.high_difficulty};
  if (name == "paint_vel_info") return {"int", int64_t{d.paint_vel_info}};
  if (name == "use_data_augmentation") return {"bool", d.use_data_augmentation};
  if (name == "use_black_white") return {"bool", d.use_black_white};
  if (name == "is_high_res") return {"bool", d.is_high_res};
  if (name == "default_zoom") return {"float", d.default_zoom};
  if (name == "seed") return {"int", int64_t{d.seed}};
  if (name == "num_threads") return {"int", int64_t{d.num_threads}};
  if (name == "autoreset_mode") return {"string", std::string("same_step")};
  return {"any", std::string()};
}

void pack_option_value(msgpack::packer<msgpack::sbuffer>& pk, const OptionValue& v) {
  std::visit([&](const auto& x) { pk.pack(x); }, v);
}

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

const char* autoreset_name(AutoresetMode m) {
  return m == AutoresetMode::SameStep ? "same_step" : "next_step";
}

}  // namespace

std::string resolve_bind_endpoint(const std::string& ep, bool allow_remote) {
  if (ep.rfind("ipc://", 0) == 0 || ep.rfind("inproc://", 0) == 0) return ep;
  if (ep.rfind("tcp://", 0) == 0) {
    const std::string rest = ep.substr(6);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) {
      throw std::invalid_argument("tcp endpoint '" + ep + "' needs a port (tcp://HOST:PORT)");
    }
    const std::string host = rest.substr(0, colon);
    // A wildcard means "some port on this machine": loopback unless remote access was
    // asked for. An explicit address is the user's choice and is used as given.
    if ((host == "*" || host.empty()) && !allow_remote) {
      return "tcp://127.0.0.1:" + rest.substr(colon + 1);
    }
    return ep;
  }
  throw std::invalid_argument("endpoint '" + ep +
                              "' is not ipc://PATH, tcp://HOST:PORT or inproc://NAME");
}

Server::Server(ServerOptions opts)
    : opts_(std::move(opts)),
      ctx_(1),
      sock_(ctx_, zmq::socket_type::router),
      id_rng_(std::random_device{}()),
      pid_(static_cast<uint32_t>(::getpid())),
      hostname_(hostname()) {
  sock_.set(zmq::sockopt::linger, 0);
  // The largest legal frame is an inline step of kMaxEnvs actions (256 KiB); a peer that
  // sends more is disconnected by ZeroMQ before the engine allocates for it.
  sock_.set(zmq::sockopt::maxmsgsize, int64_t{kMaxMessageBytes});
  sock_.bind(resolve_bind_endpoint(opts_.bind, opts_.allow_remote));
  endpoint_ = sock_.get(zmq::sockopt::last_endpoint);
  if (endpoint_.rfind("ipc://", 0) == 0) ::chmod(endpoint_.c_str() + 6, 0600);
  frames_.reserve(8);
}

Server::~Server() { sessions_.clear(); }

void Server::request_stop() { g_stop.store(true); }

uint64_t Server::uptime_ms() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_).count());
}

bool Server::parent_alive() const {
  if (opts_.parent_pid <= 0) return true;
  if (::kill(static_cast<pid_t>(opts_.parent_pid), 0) != 0 && errno == ESRCH) return false;
  // Reparented: the parent we were started by is gone even if its pid was reused.
  if (::getppid() != static_cast<pid_t>(opts_.parent_pid)) {
    return ::getppid() != 1 && ::kill(static_cast<pid_t>(opts_.parent_pid), 0) == 0;
  }
  return true;
}

void Server::close_session(uint64_t id, const char* why) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  if (opts_.log_level >= 1) {
    std::cerr << "coinrun-engine: session " << std::hex << id << std::dec << " closed (" << why
              << ")\n";
  }
  sessions_.erase(it);
}

void Server::tick() {
  const auto now = Clock::now();
  last_tick_ = now;
  const uint64_t up = uptime_ms();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->abandoned(now)) {
      const uint64_t id = it->first;
      ++it;
      close_session(id, "client gone or lease expired");
    } else {
      it->second->heartbeat(up);
      ++it;
    }
  }
}

int Server::run() {
  while (!stopping_) {
    if (g_stop.load()) break;
    if (!parent_alive()) {
      if (opts_.log_level >= 1) std::cerr << "coinrun-engine: parent process gone, exiting\n";
      break;
    }
    items_.clear();
    item_sessions_.clear();
    items_.push_back({sock_.handle(), 0, ZMQ_POLLIN, 0});
    item_sessions_.push_back(nullptr);
    for (auto& [id, s] : sessions_) {
      if (s->request_fd() >= 0) {
        items_.push_back({nullptr, s->request_fd(), ZMQ_POLLIN, 0});
        item_sessions_.push_back(s.get());
      }
    }
    int rc = 0;
    try {
      rc = zmq::poll(items_.data(), items_.size(), std::chrono::milliseconds(kTickMs));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    for (size_t k = 1; rc > 0 && k < items_.size(); ++k) {
      if (items_[k].revents & ZMQ_POLLIN) handle_doorbell(*item_sessions_[k]);
    }
    if (rc > 0 && (items_[0].revents & ZMQ_POLLIN)) {
      // Drain what is queued, but keep ticking under constant traffic.
      for (int k = 0; k < 64 && !stopping_; ++k) {
        frames_.clear();
        bool more = true;
        bool got = false;
        while (more) {
          zmq::message_t m;
          auto r = sock_.recv(m, got ? zmq::recv_flags::none : zmq::recv_flags::dontwait);
          if (!r) break;
          got = true;
          more = m.more();
          frames_.push_back(std::move(m));
        }
        if (!got) break;
        if (frames_.size() >= 2) handle(frames_, 1);
      }
    }
    if (Clock::now() - last_tick_ >= std::chrono::milliseconds(kTickMs)) tick();
  }
  sessions_.clear();
  return 0;
}

void Server::handle(const std::vector<zmq::message_t>& frames, size_t first) {
  Request req;
  req.identity = &frames[0];
  req.delimiter = false;
  size_t i = first;
  if (frames[i].size() == 0 && i + 1 < frames.size()) {
    req.delimiter = true;
    ++i;
  }
  req.type = "error";
  try {
    if (frames.size() - i - 1 > kMaxPayloadFrames) {
      throw ProtocolError(ErrorCode::BadMessage,
                          "request has " + std::to_string(frames.size() - i) +
                              " frames; at most " + std::to_string(kMaxPayloadFrames + 1) +
                              " are allowed",
                          "send one msgpack map, plus binary frames only where the protocol says so");
    }
    msgpack::object_handle oh = decode_request(frames[i].data(), frames[i].size());
    Fields f(oh.get());
    req.fields = &f;
    if (auto id = f.opt_int("id")) req.id = *id;
    for (size_t k = i + 1; k < frames.size(); ++k) {
      req.payload.emplace_back(static_cast<const char*>(frames[k].data()), frames[k].size());
    }
    const std::string type = f.get_string("type");
    const auto v = f.opt_int("v");
    if (!v) {
      throw ProtocolError(ErrorCode::BadMessage, "missing field 'v' (protocol major version)",
                          "send v = " + std::to_string(kProtocolMajor) + " in every request");
    }
    if (*v != kProtocolMajor) {
      throw ProtocolError(ErrorCode::VersionMismatch,
                          "protocol major " + std::to_string(*v) + " is not supported; this engine speaks " +
                              std::to_string(kProtocolMajor) + "." + std::to_string(kProtocolMinor),
                          "install the matching coinrun package (pip install .) or rebuild the engine",
                          {{"engine", kProtocolMajor, {}}, {"client", *v, {}}});
    }
    if (!opts_.token.empty() && !token_matches(f.opt_string("token").value_or(""), opts_.token)) {
      throw ProtocolError(ErrorCode::BadMessage, "missing or wrong 'token': this engine requires authentication",
                          "send the engine's token (its --token-file or COINRUN_TOKEN) in every request");
    }
    req.type = type;
    dispatch(req);
  } catch (const ProtocolError& e) {
    send_error(req, e);
  } catch (const OptionError& e) {
    send_error(req, ProtocolError(ErrorCode::BadOption, e.what(), "see the option schema in the hello reply"));
  } catch (const ShmError& e) {
    send_error(req, ProtocolError(ErrorCode::Resource, e.what(),
                                  "free space in /dev/shm or use fewer envs / a smaller ring_depth"));
  } catch (const std::bad_alloc&) {
    send_error(req, ProtocolError(ErrorCode::Resource, "out of memory",
                                  "use fewer envs or a smaller ring_depth"));
  } catch (const std::exception& e) {
    send_error(req, ProtocolError(ErrorCode::Internal, std::string("internal error: ") + e.what(),
                                  "please report this with the request that caused it"));
  }
}

void Server::dispatch(const Request& req) {
  const std::string_view t = req.type;
  if (t == "step") return on_step(req);
  if (t == "reset") return on_reset(req);
  if (t == "render") return on_render(req);
  if (t == "get_state") return on_get_state(req);
  if (t == "set_state") return on_set_state(req);
  if (t == "ping") return on_ping(req);
  if (t == "hello") return on_hello(req);
  if (t == "create") return on_create(req);
  if (t == "close") return on_close(req);
  if (t == "list_sessions") return on_list_sessions(req);
  if (t == "shutdown") return on_shutdown(req);
  throw ProtocolError(ErrorCode::UnknownType, "unknown request type '" + std::string(t) + "'",
                      "use one of hello, create, reset, step, render, get_state, set_state, "
                      "list_sessions, ping, "
                      "close, shutdown");
}

MapWriter Server::reply(const Request& req, std::string_view type) {
  MapWriter w(body_, out_);
  w.add("v", kProtocolMajor).add("type", type).add("id", req.id);
  return w;
}

void Server::send_reply(const Request& req, const msgpack::sbuffer& map,
                        std::span<const uint8_t> payload) {
  constexpr auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
  // A full queue or a vanished peer drops the reply: the client's timeout then reports it.
  try {
    if (!sock_.send(zmq::buffer(req.identity->data(), req.identity->size()), more)) return;
    if (req.delimiter) sock_.send(zmq::const_buffer(nullptr, 0), more);
    if (payload.empty()) {
      sock_.send(zmq::buffer(map.data(), map.size()), zmq::send_flags::dontwait);
    } else {
      sock_.send(zmq::buffer(map.data(), map.size()), more);
      sock_.send(zmq::buffer(payload.data(), payload.size()), zmq::send_flags::dontwait);
    }
  } catch (const zmq::error_t& e) {
    if (opts_.log_level >= 2) std::cerr << "coinrun-engine: reply dropped: " << e.what() << "\n";
  }
}

void Server::send_error(const Request& req, const ProtocolError& e) {
  send_reply(req, encode_error(req.id, e));
}

const msgpack::sbuffer& Server::encode_error(int64_t id, const ProtocolError& e) {
  // Bounded so that an error always fits the doorbell block's reply area.
  constexpr size_t kMaxMessage = 1200;
  std::string_view msg(e.what());
  if (msg.size() > kMaxMessage) msg = msg.substr(0, kMaxMessage);
  MapWriter w(body_, out_);
  w.add("v", kProtocolMajor).add("type", "error").add("id", id);
  w.add("code", error_code_name(e.code())).add("message", msg);
  w.add("hint", e.hint());
  auto pk = w.key("details");
  pk.pack_map(static_cast<uint32_t>(e.details().size()));
  for (const auto& d : e.details()) {
    pk.pack(d.key);
    if (d.int_value) {
      pk.pack(*d.int_value);
    } else {
      pk.pack(d.str_value);
    }
  }
  return w.finish();
}

void Server::handle_doorbell(Session& s) {
  if (!s.take_doorbell()) return;
  s.touch();
  const DoorbellBlock& d = s.doorbell();
  const auto seq = static_cast<int64_t>(d.seq);
  const int64_t slot = d.slot;
  const int64_t n = d.n;
  try {
    try {
      s.check_sequence(seq, slot);
      const auto t0 = Clock::now();
      s.step(static_cast<uint64_t>(seq), static_cast<uint32_t>(slot), static_cast<int>(n), {}, {});
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
      // Keep the ZeroMQ retry cache in step with the seq the doorbell just used.
      MapWriter w(body_, out_);
      w.add("v", kProtocolMajor).add("type", "step_ok").add("id", int64_t{0});
      w.add("seq", seq).add("slot", slot).add("n", n).add("step_us", static_cast<int64_t>(us));
      const msgpack::sbuffer& m = w.finish();
      s.cache_reply(m.data(), m.size(), static_cast<uint32_t>(slot), false);
      s.answer_doorbell(true, nullptr, 0, static_cast<uint64_t>(us));
    } catch (const ProtocolError&) {
      throw;
    } catch (const std::exception& e) {
      throw ProtocolError(ErrorCode::Internal, std::string("internal error: ") + e.what(),
                          "please report this with the request that caused it");
    }
  } catch (const ProtocolError& e) {
    const msgpack::sbuffer& m = encode_error(0, e);
    s.answer_doorbell(false, m.data(), m.size(), 0);
  }
}

Session& Server::session_of(const Request& req) {
  const msgpack::object* raw = req.fields->find("session");
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

void Server::on_hello(const Request& req) {
  const Fields& f = *req.fields;
  if (const msgpack::object* p = f.opt_array("protocol")) {
    int64_t major = -1;
    if (p->via.array.size >= 1 && p->via.array.ptr[0].type == msgpack::type::POSITIVE_INTEGER) {
      major = static_cast<int64_t>(p->via.array.ptr[0].via.u64);
    }
    if (major != kProtocolMajor) {
      throw ProtocolError(ErrorCode::VersionMismatch,
                          "client protocol " + std::to_string(major) +
                              ".x is not supported; this engine speaks " +
                              std::to_string(kProtocolMajor) + "." + std::to_string(kProtocolMinor),
                          "install the matching coinrun package (pip install .) or rebuild the engine",
                          {{"engine", kProtocolMajor, {}}, {"client", major, {}}});
    }
  }
  MapWriter w = reply(req, "hello_ok");
  w.add("engine_version", std::string_view(COINRUN_VERSION));
  w.add("build", std::string("coinrun-engine ") + COINRUN_VERSION + " (" + __DATE__ + ")");
  w.key("protocol").pack_array(2).pack(kProtocolMajor).pack(kProtocolMinor);
  w.add("layout_version", kLayoutVersion);
  w.add("pid", pid_);
  auto pk = w.key("games");
  const auto games = all_games();
  pk.pack_array(static_cast<uint32_t>(games.size()));
  for (const Game* g : games) {
    const GameInfo& gi = g->info();
    pk.pack_map(7);
    pk.pack("name").pack(gi.name);
    pk.pack("title").pack(gi.title);
    pk.pack("engine_id").pack(gi.engine_id);
    pk.pack("max_episode_steps").pack(gi.max_age);
    pk.pack("action_names").pack_array(kNumActions);
    for (const auto& a : kActionNames) pk.pack(a);
    pk.pack("obs_shape").pack_array(3).pack(64).pack(64).pack(3);
    pk.pack("obs_dtype").pack("uint8");
  }
  auto po = w.key("options");
  const auto& names = option_names();
  po.pack_array(static_cast<uint32_t>(names.size()));
  for (const auto& n : names) {
    const OptionSchema s = schema_of(n);
    po.pack_map(3).pack("name").pack(n).pack("type").pack(s.type).pack("default");
    pack_option_value(po, s.def);
  }
  w.key("limits").pack_map(3).pack("max_envs").pack(kMaxEnvs).pack("max_ring_depth")
      .pack(kMaxRingDepth).pack("max_render_size").pack(kMaxRenderSide);
  w.key("features").pack_array(5).pack("inline_transport").pack("step_subset")
      .pack("list_sessions").pack("spectator_render").pack("env_state");
  send_reply(req, w.finish());
}

void Server::on_create(const Request& req) {
  const Fields& f = *req.fields;
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
  PoolOptions base;
  base.num_threads = opts_.default_threads;
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
  p.client_local = !host.empty() && host == hostname_;
  p.lease_s = f.opt_number("lease_s").value_or(0.0);
  if (p.lease_s < 0) throw ProtocolError(ErrorCode::BadOption, "lease_s must be >= 0", "0 disables the lease");
  p.label = f.opt_string("label").value_or("");
  p.doorbell = f.opt_bool("doorbell").value_or(false) && p.transport == Transport::Shm;

  // Random high bits make stale ids from an earlier engine unlikely to match; kept below 2^63
  // so that every client language reads them as a plain integer.
  if (sessions_.size() >= kMaxSessions) {
    throw ProtocolError(ErrorCode::Resource,
                        "this engine already serves " + std::to_string(sessions_.size()) +
                            " sessions, the most it allows",
                        "close sessions you no longer use, or start another engine");
  }
  {
    // Upper bound of the new segment (observations dominate) against the engine's budget.
    const auto seg_bytes = [](uint64_t envs, uint64_t ring) { return envs * ring * (64 * 64 * 3 + 256); };
    uint64_t used = 0;
    for (const auto& [sid, other] : sessions_) {
      used += seg_bytes(static_cast<uint64_t>(other->num_envs()), other->params().ring_depth);
    }
    const uint64_t want = seg_bytes(static_cast<uint64_t>(p.pool.num_envs), p.ring_depth);
    if (used + want > shm_budget_bytes()) {
      throw ProtocolError(ErrorCode::Resource,
                          "a session of " + std::to_string(p.pool.num_envs) + " envs x ring_depth " +
                              std::to_string(p.ring_depth) + " needs about " + std::to_string(want >> 20) +
                              " MiB of shared memory; this engine's budget is " +
                              std::to_string(shm_budget_bytes() >> 20) + " MiB with " +
                              std::to_string(used >> 20) + " MiB in use",
                          "use fewer envs or a smaller ring_depth, or close other sessions");
    }
  }
  const uint64_t id = (id_rng_() & 0x7fffffff00000000ULL) | next_session_++;
  auto session = std::make_unique<Session>(id, std::move(p), pid_);
  Session& s = *session;
  const PoolOptions& o = s.pool().options();

  MapWriter w = reply(req, "create_ok");
  w.add("session", id);
  if (const ShmSegment* seg = s.segment()) {
    w.key("shm").pack_map(4).pack("name").pack(seg->name()).pack("bytes").pack(seg->size())
        .pack("layout_version").pack(kLayoutVersion).pack("session_id").pack(id);
  }
  w.add("transport", transport);
  if (!s.request_fifo().empty()) {
    w.key("doorbell").pack_map(3).pack("request").pack(s.request_fifo()).pack("reply")
        .pack(s.reply_fifo()).pack("offset").pack(kDoorbellOffset);
  }
  w.add("slot_bytes", s.layout().slot_bytes);
  // The region table again, so that an inline client (no header) builds the same views.
  auto rg = w.key("regions");
  rg.pack_array(static_cast<uint32_t>(kNumRegions));
  for (const RegionEntry& e : s.layout().regions) {
    rg.pack_map(5).pack("name").pack(std::string_view(e.name, strnlen(e.name, sizeof(e.name))));
    rg.pack("dtype").pack(e.dtype).pack("env_stride").pack(e.env_stride);
    rg.pack("offset").pack(e.offset).pack("bytes").pack(e.bytes);
  }
  w.add("ring_depth", s.params().ring_depth);
  w.add("num_envs", s.num_envs());
  auto sp = w.key("spaces");
  sp.pack_map(4).pack("obs_shape").pack_array(3).pack(64).pack(64).pack(s.pool().obs_channels());
  sp.pack("obs_dtype").pack("uint8").pack("n_actions").pack(kNumActions);
  sp.pack("action_names").pack_array(kNumActions);
  for (const auto& a : kActionNames) sp.pack(a);
  auto op = w.key("options");
  op.pack_map(13);
  op.pack("game").pack(o.game).pack("num_envs").pack(o.num_envs);
  op.pack("num_levels").pack(o.num_levels).pack("set_seed").pack(o.set_seed);
  op.pack("high_difficulty").pack(o.high_difficulty);
  op.pack("paint_vel_info").pack(resolve_paint_vel_info(o) ? 1 : 0);
  op.pack("use_data_augmentation").pack(o.use_data_augmentation);
  op.pack("use_black_white").pack(o.use_black_white);
  op.pack("is_high_res").pack(o.is_high_res).pack("default_zoom").pack(o.default_zoom);
  op.pack("seed").pack(o.seed).pack("num_threads").pack(s.pool().num_threads());
  op.pack("autoreset_mode").pack(autoreset_name(o.autoreset));
  w.add("autoreset_mode", autoreset_name(o.autoreset));
  w.add("max_episode_steps", s.pool().game().info().max_age);
  sessions_.emplace(id, std::move(session));
  if (opts_.log_level >= 1) {
    std::cerr << "coinrun-engine: session " << std::hex << id << std::dec << " created: "
              << o.game << " x" << o.num_envs << " (" << transport << ")\n";
  }
  send_reply(req, w.finish());
}

bool Server::replay_if_retry(const Request& req, Session& s, int64_t seq) {
  if (seq != static_cast<int64_t>(s.last_seq()) || s.cached_reply().empty()) return false;
  msgpack::sbuffer& buf = out_;
  buf.clear();
  buf.write(s.cached_reply().data(), s.cached_reply().size());
  std::span<const uint8_t> payload;
  if (s.cached_has_payload()) payload = s.slot_bytes(s.cached_slot());
  send_reply(req, buf, payload);
  return true;
}

void Server::on_step(const Request& req) {
  Session& s = session_of(req);
  s.touch();
  const Fields& f = *req.fields;
  const int64_t seq = f.get_int("seq");
  if (replay_if_retry(req, s, seq)) return;
  const int64_t slot = f.get_int("slot");
  s.check_sequence(seq, slot);
  const int64_t n = f.opt_int("n").value_or(s.num_envs());
  if (n < 1 || n > s.num_envs()) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "batch size n = " + std::to_string(n) + " is out of range [1, " +
                            std::to_string(s.num_envs()) + "]",
                        "send n between 1 and num_envs");
  }
  const bool inl = s.transport() == Transport::Inline;
  std::string_view acts, ids;
  if (inl) {
    if (!req.payload.empty()) acts = req.payload[0];
    if (req.payload.size() > 1) ids = req.payload[1];
  }
  const auto t0 = Clock::now();
  s.step(static_cast<uint64_t>(seq), static_cast<uint32_t>(slot), static_cast<int>(n), acts, ids);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  MapWriter w = reply(req, "step_ok");
  w.add("seq", seq).add("slot", slot).add("n", n).add("step_us", static_cast<int64_t>(us));
  const msgpack::sbuffer& m = w.finish();
  s.cache_reply(m.data(), m.size(), static_cast<uint32_t>(slot), inl);
  send_reply(req, m, inl ? s.slot_bytes(static_cast<uint32_t>(slot)) : std::span<const uint8_t>{});
}

void Server::on_reset(const Request& req) {
  Session& s = session_of(req);
  s.touch();
  const Fields& f = *req.fields;
  const int64_t seq = f.get_int("seq");
  if (replay_if_retry(req, s, seq)) return;
  const int64_t slot = f.get_int("slot");
  s.check_sequence(seq, slot);
  std::optional<uint32_t> seed;
  if (auto v = f.opt_int("seed")) {
    if (*v < 0 || *v > static_cast<int64_t>(UINT32_MAX)) {
      throw ProtocolError(ErrorCode::BadOption,
                          "reset seed " + std::to_string(*v) + " is out of range [0, 2^32)",
                          "use a seed in [0, 4294967295]");
    }
    seed = static_cast<uint32_t>(*v);
  }
  std::optional<std::string_view> mask = f.opt_bin("mask");
  std::vector<uint32_t> level_seeds;
  if (const msgpack::object* a = f.opt_array("level_seeds")) {
    level_seeds.reserve(a->via.array.size);
    for (uint32_t i = 0; i < a->via.array.size; ++i) {
      const auto& e = a->via.array.ptr[i];
      if (e.type != msgpack::type::POSITIVE_INTEGER || e.via.u64 > UINT32_MAX) {
        throw ProtocolError(ErrorCode::BadOption,
                            "level_seeds[" + std::to_string(i) + "] is not an integer in [0, 2^32)",
                            "send non-negative 32-bit level seeds");
      }
      level_seeds.push_back(static_cast<uint32_t>(e.via.u64));
    }
  }
  s.reset(static_cast<uint64_t>(seq), static_cast<uint32_t>(slot), seed, mask, std::move(level_seeds));
  const bool inl = s.transport() == Transport::Inline;
  MapWriter w = reply(req, "reset_ok");
  w.add("seq", seq).add("slot", slot).add("n", s.num_envs());
  const msgpack::sbuffer& m = w.finish();
  s.cache_reply(m.data(), m.size(), static_cast<uint32_t>(slot), inl);
  send_reply(req, m, inl ? s.slot_bytes(static_cast<uint32_t>(slot)) : std::span<const uint8_t>{});
}

void Server::on_render(const Request& req) {
  Session& s = session_of(req);
  const Fields& f = *req.fields;
  const int64_t env = f.get_int("env");
  if (env < 0 || env >= s.num_envs()) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "env " + std::to_string(env) + " is out of range [0, " +
                            std::to_string(s.num_envs()) + ")",
                        "pick an env index below num_envs (see list_sessions)",
                        {{"env", env, {}}, {"num_envs", s.num_envs(), {}}});
  }
  const int64_t w_px = f.opt_int("width").value_or(kDefaultRenderSide);
  const int64_t h_px = f.opt_int("height").value_or(kDefaultRenderSide);
  for (int64_t v : {w_px, h_px}) {
    if (v < kMinRenderSide || v > kMaxRenderSide) {
      throw ProtocolError(ErrorCode::BadMessage,
                          "render size " + std::to_string(v) + " is out of range [" +
                              std::to_string(kMinRenderSide) + ", " +
                              std::to_string(kMaxRenderSide) + "]",
                          "ask for 512 x 512 (the default)");
    }
  }
  if (!render_sizes_.contains({w_px, h_px})) {
    if (render_sizes_.size() >= kMaxRenderSizes) {
      throw ProtocolError(ErrorCode::Resource,
                          "this engine has already rendered " + std::to_string(kMaxRenderSizes) +
                              " different frame sizes, its limit",
                          "render at a size used before (e.g. 512 x 512) or start a new engine");
    }
    render_sizes_.insert({w_px, h_px});
  }
  render_buf_.resize(static_cast<size_t>(w_px * h_px * 3));
  const Env& e = s.pool().env(static_cast<int>(env));
  e.render(FrameView::packed(render_buf_.data(), static_cast<int>(w_px), static_cast<int>(h_px)));
  MapWriter w = reply(req, "render_ok");
  w.add("width", w_px).add("height", h_px).add("level_seed", e.state().level_seed);
  w.add("episode_return", e.episode_return()).add("episode_length", e.episode_length());
  send_reply(req, w.finish(), render_buf_);
}

void Server::on_list_sessions(const Request& req) {
  MapWriter w = reply(req, "sessions");
  auto pk = w.key("sessions");
  pk.pack_array(static_cast<uint32_t>(sessions_.size()));
  for (const auto& [id, s] : sessions_) {
    const double created_s =
        std::chrono::duration<double>(s->created() - start_).count();
    pk.pack_map(7);
    pk.pack("session").pack(id);
    pk.pack("game").pack(s->pool().options().game);
    pk.pack("num_envs").pack(s->num_envs());
    pk.pack("label").pack(s->params().label);
    pk.pack("client_pid").pack(s->params().client_pid);
    pk.pack("steps").pack(s->steps());
    pk.pack("created_s").pack(created_s);
  }
  send_reply(req, w.finish());
}

void Server::on_ping(const Request& req) {
  if (req.fields->has("session")) session_of(req).touch();
  MapWriter w = reply(req, "pong");
  w.add("uptime_s", static_cast<double>(uptime_ms()) / 1000.0);
  w.add("sessions", static_cast<uint64_t>(sessions_.size()));
  send_reply(req, w.finish());
}

void Server::on_close(const Request& req) {
  Session& s = session_of(req);
  close_session(s.id(), "closed by client");
  send_reply(req, reply(req, "close_ok").finish());
}

void Server::on_shutdown(const Request& req) {
  send_reply(req, reply(req, "shutdown_ok").finish());
  stopping_ = true;
}

}  // namespace coinrun
