#include "listener.h"

#include <sys/stat.h>

#include <iostream>
#include <stdexcept>

namespace coinrun {
namespace {

// A request is one msgpack map plus at most this many binary frames (an inline step: the
// actions and the env ids).
constexpr size_t kMaxPayloadFrames = 3;
// The largest legal frame is an inline step of kMaxEnvs actions (256 KiB); a peer that
// sends more is disconnected by ZeroMQ before the engine allocates for it.
constexpr int64_t kMaxMessageBytes = 16 << 20;

// Constant-time comparison, so that the reply time does not leak how much of a token matched.
bool token_matches(std::string_view got, std::string_view want) {
  unsigned diff = got.size() == want.size() ? 0u : 1u;
  for (size_t i = 0; i < want.size(); ++i) {
    diff |= static_cast<unsigned>(static_cast<uint8_t>(want[i]) ^
                                  static_cast<uint8_t>(i < got.size() ? got[i] : 0));
  }
  return diff == 0;
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

Listener::Listener(const std::string& bind, bool allow_remote, std::string token,
                   const std::string& curve_secret, int log_level)
    : ctx_(1), sock_(ctx_, zmq::socket_type::router), token_(std::move(token)), log_level_(log_level) {
  sock_.set(zmq::sockopt::linger, 0);
  if (!curve_secret.empty()) {
    sock_.set(zmq::sockopt::curve_server, 1);
    sock_.set(zmq::sockopt::curve_secretkey, curve_secret);
  }
  sock_.set(zmq::sockopt::maxmsgsize, int64_t{kMaxMessageBytes});
  sock_.bind(resolve_bind_endpoint(bind, allow_remote));
  endpoint_ = sock_.get(zmq::sockopt::last_endpoint);
  if (endpoint_.rfind("ipc://", 0) == 0) ::chmod(endpoint_.c_str() + 6, 0600);
}

bool Listener::receive(std::vector<zmq::message_t>& frames) {
  frames.clear();
  bool more = true;
  bool got = false;
  while (more) {
    zmq::message_t m;
    auto r = sock_.recv(m, got ? zmq::recv_flags::none : zmq::recv_flags::dontwait);
    if (!r) break;
    got = true;
    more = m.more();
    frames.push_back(std::move(m));
  }
  return got;
}

void Listener::open(const std::vector<zmq::message_t>& frames, Request& req) const {
  req.identity = &frames[0];
  size_t i = 1;
  if (frames[i].size() == 0 && i + 1 < frames.size()) {
    req.delimiter = true;
    ++i;
  }
  if (frames.size() - i - 1 > kMaxPayloadFrames) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "request has " + std::to_string(frames.size() - i) + " frames; at most " +
                            std::to_string(kMaxPayloadFrames + 1) + " are allowed",
                        "send one msgpack map, plus binary frames only where the protocol says so");
  }
  req.message = decode_request(frames[i].data(), frames[i].size());
  const Fields f = req.fields();
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
  // A token of the wrong type is as wrong as a wrong one (UNAUTHORIZED, not BAD_MESSAGE).
  const msgpack::object* tok = f.find("token");
  const std::string_view got = tok != nullptr && tok->type == msgpack::type::STR
                                   ? std::string_view(tok->via.str.ptr, tok->via.str.size)
                                   : std::string_view();
  if (!token_.empty() && !token_matches(got, token_)) {
    throw ProtocolError(ErrorCode::Unauthorized, "missing or wrong 'token': this engine requires authentication",
                        "send the engine's token (its --token-file or COINRUN_TOKEN) in every request");
  }
  // The type names a string inside `frames[i]`, which outlives the request.
  const msgpack::object* t = f.find("type");
  req.type = std::string_view(t->via.str.ptr, t->via.str.size);
}

void Listener::send(const Request& req, std::span<const char> map, std::span<const uint8_t> payload) {
  constexpr auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
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
    if (log_level_ >= 2) std::cerr << "coinrun-engine: reply dropped: " << e.what() << "\n";
  }
}

void Listener::send_frames(std::vector<zmq::message_t>& frames) {
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      const bool last = i + 1 == frames.size();
      const auto flags = last ? zmq::send_flags::dontwait : zmq::send_flags::sndmore | zmq::send_flags::dontwait;
      if (!sock_.send(frames[i], flags)) return;
    }
  } catch (const zmq::error_t& e) {
    if (log_level_ >= 2) std::cerr << "coinrun-engine: reply dropped: " << e.what() << "\n";
  }
}

}  // namespace coinrun
