#include "spectator.h"

#include <msgpack.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "server/protocol.h"

namespace coinrun::viewer {
namespace {

// docs/protocol.md: protocol 1.x; a spectator only needs the 1.0 requests.
constexpr int kSpectatorMinor = 0;
// After an error the worker retries at this pace instead of its frame rate.
constexpr std::chrono::milliseconds kRetryDelay{500};
// Waits are cut into slices this long to notice a stop request.
constexpr std::chrono::milliseconds kPollSlice{50};
// At most this fraction of wall time is spent waiting for renders (see SpectatorWorker::run).
constexpr double kMaxEngineShare = 0.05;
// Weight of the newest round trip in its moving average.
constexpr double kRoundTripSmoothing = 0.2;
// The slowest frame rate the cap may impose (seconds between frames).
constexpr double kMaxPeriod = 0.5;

using Packer = msgpack::packer<msgpack::sbuffer>;

// Z85 text of a CURVE key.
constexpr size_t kKeyChars = 40;

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// The token of a protected engine: COINRUN_TOKEN, else COINRUN_TOKEN_FILE's first line.
std::string token_from_environment() {
  std::string token = env_or_empty("COINRUN_TOKEN");
  if (token.empty() && !env_or_empty("COINRUN_TOKEN_FILE").empty()) {
    token = first_line_of(env_or_empty("COINRUN_TOKEN_FILE"));
  }
  return token;
}

// The engine's CURVE public key: COINRUN_ENGINE_KEY holds it or names its file.
std::string engine_key_from_environment() {
  std::string key = env_or_empty("COINRUN_ENGINE_KEY");
  if (!key.empty() && key.size() != kKeyChars) key = first_line_of(key);
  if (!key.empty() && key.size() != kKeyChars) {
    throw SpectatorError("CONNECT", "COINRUN_ENGINE_KEY is neither a CURVE public key (40 Z85 "
                                    "characters) nor a file holding one");
  }
  return key;
}

// Typed access to a reply map through the engine's own Fields (server/protocol.h); an
// ill-typed field or a value that is not a map is the engine breaking the protocol.
Fields reply_fields(const msgpack::object& map, std::string_view what) {
  if (map.type != msgpack::type::MAP) {
    throw SpectatorError("PROTOCOL", "the engine sent " + std::string(what) + " that is not a map");
  }
  return Fields(map);
}

template <typename Read>
auto read_field(Read&& read) {
  try {
    return read();
  } catch (const ProtocolError& e) {
    throw SpectatorError("PROTOCOL", std::string("the engine sent an ill-typed reply: ") + e.what());
  }
}

}  // namespace

struct SpectatorClient::Reply {
  msgpack::object_handle handle;
  std::vector<zmq::message_t> frames;  // frames[0] is the map
  const msgpack::object& map() const { return handle.get(); }
};

SpectatorClient::SpectatorClient(std::string endpoint, std::chrono::milliseconds timeout,
                                 std::stop_token stop)
    : endpoint_(std::move(endpoint)),
      timeout_(timeout),
      ctx_(1),
      sock_(ctx_, zmq::socket_type::dealer),
      stop_(std::move(stop)) {
  sock_.set(zmq::sockopt::linger, 0);
  token_ = token_from_environment();
  if (const std::string key = engine_key_from_environment(); !key.empty() && endpoint_.rfind("tcp://", 0) == 0) {
    std::array<char, kKeyChars + 1> pub{}, sec{};
    if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
      throw SpectatorError("CONNECT", "this libzmq cannot make CURVE keys (no encryption support)");
    }
    sock_.set(zmq::sockopt::curve_serverkey, key);
    sock_.set(zmq::sockopt::curve_publickey, std::string(pub.data()));
    sock_.set(zmq::sockopt::curve_secretkey, std::string(sec.data()));
  }
  try {
    sock_.connect(endpoint_);
  } catch (const zmq::error_t& e) {
    throw SpectatorError("CONNECT", "cannot connect to '" + endpoint_ + "': " + e.what() +
                                        " (use ipc://PATH or tcp://HOST:PORT)");
  }
  Reply r = request(
      "hello",
      [](void* p) {
        Packer& pk = *static_cast<Packer*>(p);
        pk.pack("protocol").pack_array(2).pack(kProtocolMajor).pack(kSpectatorMinor);
        pk.pack("client").pack("coinrun-viewer " COINRUN_VERSION);
      },
      2);
  const Fields f = reply_fields(r.map(), "a hello reply");
  engine_version_ = read_field([&] { return f.opt_string("engine_version").value_or(""); });
}

SpectatorClient::Reply SpectatorClient::request(const std::string& type,
                                                const std::function<void(void*)>& pack_fields,
                                                int n_fields) {
  const uint64_t id = next_id_++;
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3 + n_fields + (token_.empty() ? 0 : 1));
  pk.pack("v").pack(kProtocolMajor);
  pk.pack("type").pack(type);
  pk.pack("id").pack(id);
  if (!token_.empty()) pk.pack("token").pack(token_);
  pack_fields(&pk);
  if (!sock_.send(zmq::buffer(buf.data(), buf.size()), zmq::send_flags::dontwait)) {
    throw SpectatorError("TIMEOUT", "cannot send to the engine at " + endpoint_ +
                                        " (send queue full: is it running?)");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (stop_.stop_requested()) throw SpectatorError("CANCELLED", "stopped");
    zmq::pollitem_t item{sock_.handle(), 0, ZMQ_POLLIN, 0};
    if (left.count() <= 0) {
      throw SpectatorError("TIMEOUT", "no reply to '" + type + "' from the engine at " +
                                          endpoint_ + " within " +
                                          std::to_string(timeout_.count()) +
                                          " ms: is coinrun-engine serving there?" +
                                          (endpoint_.rfind("tcp://", 0) == 0
                                               ? " (a public engine also needs COINRUN_TOKEN and "
                                                 "COINRUN_ENGINE_KEY)"
                                               : ""));
    }
    if (zmq::poll(&item, 1, std::min(left, kPollSlice)) == 0) continue;
    Reply reply;
    std::vector<zmq::message_t> frames;
    const auto n = zmq::recv_multipart(sock_, std::back_inserter(frames));
    if (!n || frames.empty()) continue;
    // DEALER sockets see no identity; a REP-style empty delimiter may precede the map.
    size_t first = 0;
    while (first < frames.size() && frames[first].size() == 0) ++first;
    if (first >= frames.size()) continue;
    try {
      reply.handle = msgpack::unpack(static_cast<const char*>(frames[first].data()),
                                     frames[first].size());
    } catch (const std::exception& e) {
      throw SpectatorError("PROTOCOL", std::string("the engine sent a reply that is not "
                                                   "msgpack: ") + e.what());
    }
    const Fields f = reply_fields(reply.map(), "a reply");
    // A late reply to an earlier request that timed out: not ours, skip it.
    std::optional<int64_t> reply_id;
    try {
      reply_id = f.opt_int("id");
    } catch (const ProtocolError&) {
    }
    if (!reply_id || static_cast<uint64_t>(*reply_id) != id) continue;
    frames.erase(frames.begin(), frames.begin() + static_cast<ptrdiff_t>(first));
    reply.frames = std::move(frames);
    if (read_field([&] { return f.opt_string("type").value_or(""); }) == "error") {
      const auto text = [&](std::string_view key) {
        return read_field([&] { return f.opt_string(key).value_or(""); });
      };
      throw SpectatorError(text("code"), "engine error " + text("code") + ": " + text("message") +
                                             " (" + text("hint") + ")");
    }
    return reply;
  }
}

std::vector<SessionInfo> SpectatorClient::list_sessions() {
  Reply r = request("list_sessions", [](void*) {}, 0);
  const msgpack::object* list = read_field([&] { return Fields(r.map()).opt_array("sessions"); });
  if (!list) throw SpectatorError("PROTOCOL", "list_sessions reply has no 'sessions' list");
  std::vector<SessionInfo> out;
  for (uint32_t i = 0; i < list->via.array.size; ++i) {
    const Fields m = reply_fields(list->via.array.ptr[i], "a session entry");
    read_field([&] {
      SessionInfo s;
      s.session = static_cast<uint64_t>(m.opt_int("session").value_or(0));
      s.game = m.opt_string("game").value_or("");
      s.num_envs = static_cast<int>(m.opt_int("num_envs").value_or(0));
      s.label = m.opt_string("label").value_or("");
      s.client_pid = m.opt_int("client_pid").value_or(0);
      s.steps = m.opt_int("steps").value_or(0);
      out.push_back(std::move(s));
      return 0;
    });
  }
  return out;
}

void SpectatorClient::render(uint64_t session, int env, int width, int height,
                             SpectatorFrame& out) {
  Reply r = request(
      "render",
      [&](void* p) {
        Packer& pk = *static_cast<Packer*>(p);
        pk.pack("session").pack(session);
        pk.pack("env").pack(env);
        pk.pack("width").pack(width);
        pk.pack("height").pack(height);
      },
      4);
  const Fields f(r.map());
  const auto w = read_field([&] { return f.opt_int("width").value_or(0); });
  const auto h = read_field([&] { return f.opt_int("height").value_or(0); });
  if (r.frames.size() < 2 || w <= 0 || h <= 0 ||
      r.frames[1].size() != static_cast<size_t>(w * h * 3)) {
    throw SpectatorError("PROTOCOL", "render_ok without a " + std::to_string(w) + "x" +
                                         std::to_string(h) + " RGB frame");
  }
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  read_field([&] {
    out.level_seed = static_cast<uint32_t>(f.opt_int("level_seed").value_or(0));
    out.episode_return = static_cast<float>(f.opt_number("episode_return").value_or(0));
    out.episode_length = static_cast<int>(f.opt_int("episode_length").value_or(0));
    return 0;
  });
  out.rgb.resize(r.frames[1].size());
  std::memcpy(out.rgb.data(), r.frames[1].data(), out.rgb.size());
}

SpectatorWorker::SpectatorWorker(std::string endpoint, uint64_t session, int env, int side,
                                 double fps, FrameCallback on_frame, ErrorCallback on_error)
    : endpoint_(std::move(endpoint)),
      session_(session),
      env_(env),
      side_(side),
      fps_(fps),
      on_frame_(std::move(on_frame)),
      on_error_(std::move(on_error)),
      thread_([this](std::stop_token st) { run(st); }) {}

SpectatorWorker::~SpectatorWorker() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void SpectatorWorker::run(std::stop_token stop) {
  using Clock = std::chrono::steady_clock;
  // Sleeps in short slices so that closing the window never waits a whole period.
  auto sleep_until = [&](Clock::time_point t) {
    constexpr auto kSlice = std::chrono::milliseconds(20);
    while (!stop.stop_requested() && Clock::now() < t) {
      std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, t - Clock::now()));
    }
  };
  std::unique_ptr<SpectatorClient> client;
  SpectatorFrame frame;
  double avg_round_trip = -1;  // seconds; negative until the first frame
  auto next = Clock::now();
  while (!stop.stop_requested()) {
    try {
      if (!client) client = std::make_unique<SpectatorClient>(endpoint_, kSpectatorTimeout, stop);
      const int side = side_.load();
      const auto t0 = Clock::now();
      client->render(session_, env_, side, side, frame);
      const std::chrono::duration<double> round_trip = Clock::now() - t0;
      on_frame_(frame);
      const double fps = std::max(1.0, fps_.load());
      // The engine renders on its request thread, between the session's steps: cap our
      // share of that thread so that watching never costs the session more than a few %.
      // The round trip also counts queueing behind steps and scheduling delays (single
      // spikes of a second on a loaded machine), so use a smoothed value and never wait
      // longer than kMaxPeriod between frames.
      avg_round_trip = avg_round_trip < 0 ? round_trip.count()
                                          : (1 - kRoundTripSmoothing) * avg_round_trip +
                                                kRoundTripSmoothing * round_trip.count();
      const double period =
          std::clamp(avg_round_trip / kMaxEngineShare, 1.0 / fps, std::max(1.0 / fps, kMaxPeriod));
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period));
      // Never try to catch up after a stall: that would burst requests at the engine.
      if (next < Clock::now()) next = Clock::now();
      sleep_until(next);
    } catch (const SpectatorError& e) {
      if (stop.stop_requested()) break;
      on_error_(e.what());
      client.reset();  // a fresh socket drops whatever the old one still had queued
      sleep_until(Clock::now() + kRetryDelay);
      next = Clock::now();
    }
  }
}

}  // namespace coinrun::viewer
