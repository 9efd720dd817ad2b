#include "spectator.h"

#include <msgpack.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <cstring>

namespace coinrun::viewer {
namespace {

// docs/protocol.md: protocol 1.x; a spectator only needs the 1.0 requests.
constexpr int kProtocolMajor = 1;
constexpr int kProtocolMinor = 0;
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

const msgpack::object* field(const msgpack::object& map, std::string_view key) {
  if (map.type != msgpack::type::MAP) return nullptr;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const msgpack::object_kv& kv = map.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
      return &kv.val;
    }
  }
  return nullptr;
}

std::string str_field(const msgpack::object& map, std::string_view key) {
  const msgpack::object* o = field(map, key);
  if (!o || o->type != msgpack::type::STR) return {};
  return std::string(o->via.str.ptr, o->via.str.size);
}

int64_t int_field(const msgpack::object& map, std::string_view key, int64_t dflt = 0) {
  const msgpack::object* o = field(map, key);
  if (!o) return dflt;
  if (o->type == msgpack::type::POSITIVE_INTEGER) return static_cast<int64_t>(o->via.u64);
  if (o->type == msgpack::type::NEGATIVE_INTEGER) return o->via.i64;
  if (o->type == msgpack::type::FLOAT32 || o->type == msgpack::type::FLOAT64) {
    return static_cast<int64_t>(o->via.f64);
  }
  return dflt;
}

double float_field(const msgpack::object& map, std::string_view key) {
  const msgpack::object* o = field(map, key);
  if (!o) return 0;
  if (o->type == msgpack::type::FLOAT32 || o->type == msgpack::type::FLOAT64) return o->via.f64;
  return static_cast<double>(int_field(map, key));
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
        pk.pack("protocol").pack_array(2).pack(kProtocolMajor).pack(kProtocolMinor);
        pk.pack("client").pack("coinrun-viewer " COINRUN_VERSION);
      },
      2);
  engine_version_ = str_field(r.map(), "engine_version");
}

SpectatorClient::Reply SpectatorClient::request(const std::string& type,
                                                const std::function<void(void*)>& pack_fields,
                                                int n_fields) {
  const uint64_t id = next_id_++;
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3 + n_fields);
  pk.pack("v").pack(kProtocolMajor);
  pk.pack("type").pack(type);
  pk.pack("id").pack(id);
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
                                          " ms: is coinrun-engine serving there?");
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
    // A late reply to an earlier request that timed out: not ours, skip it.
    if (static_cast<uint64_t>(int_field(reply.map(), "id", -1)) != id) continue;
    frames.erase(frames.begin(), frames.begin() + static_cast<ptrdiff_t>(first));
    reply.frames = std::move(frames);
    const std::string rtype = str_field(reply.map(), "type");
    if (rtype == "error") {
      throw SpectatorError(str_field(reply.map(), "code"),
                           "engine error " + str_field(reply.map(), "code") + ": " +
                               str_field(reply.map(), "message") + " (" +
                               str_field(reply.map(), "hint") + ")");
    }
    return reply;
  }
}

std::vector<SessionInfo> SpectatorClient::list_sessions() {
  Reply r = request("list_sessions", [](void*) {}, 0);
  const msgpack::object* list = field(r.map(), "sessions");
  std::vector<SessionInfo> out;
  if (!list || list->type != msgpack::type::ARRAY) {
    throw SpectatorError("PROTOCOL", "list_sessions reply has no 'sessions' list");
  }
  for (uint32_t i = 0; i < list->via.array.size; ++i) {
    const msgpack::object& m = list->via.array.ptr[i];
    SessionInfo s;
    s.session = static_cast<uint64_t>(int_field(m, "session"));
    s.game = str_field(m, "game");
    s.num_envs = static_cast<int>(int_field(m, "num_envs"));
    s.label = str_field(m, "label");
    s.client_pid = int_field(m, "client_pid");
    s.steps = int_field(m, "steps");
    out.push_back(std::move(s));
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
  const auto w = int_field(r.map(), "width");
  const auto h = int_field(r.map(), "height");
  if (r.frames.size() < 2 || w <= 0 || h <= 0 ||
      r.frames[1].size() != static_cast<size_t>(w * h * 3)) {
    throw SpectatorError("PROTOCOL", "render_ok without a " + std::to_string(w) + "x" +
                                         std::to_string(h) + " RGB frame");
  }
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  out.level_seed = static_cast<uint32_t>(int_field(r.map(), "level_seed"));
  out.episode_return = static_cast<float>(float_field(r.map(), "episode_return"));
  out.episode_length = static_cast<int>(int_field(r.map(), "episode_length"));
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
