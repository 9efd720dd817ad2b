#pragma once
// A read-only spectator of a running coinrun-engine (docs/protocol.md, "Spectators"):
// hello, list_sessions, and render of any session's env at any size. Every wait is a poll
// with a timeout; errors and timeouts become SpectatorError with a message that says what
// to do. No Qt here: SpectatorClient is a blocking client used from SpectatorWorker's thread.
#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace coinrun::viewer {

class SpectatorError : public std::runtime_error {
 public:
  SpectatorError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  // The engine's error code (NO_SESSION, BAD_MESSAGE, ...) or TIMEOUT / PROTOCOL.
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

struct SessionInfo {
  uint64_t session = 0;
  std::string game;
  int num_envs = 0;
  std::string label;
  int64_t client_pid = 0;
  int64_t steps = 0;
};

struct SpectatorFrame {
  int width = 0, height = 0;
  uint32_t level_seed = 0;
  float episode_return = 0;
  int episode_length = 0;
  std::vector<uint8_t> rgb;  // width * height * 3, rows top to bottom
};

class SpectatorClient {
 public:
  // Connects (lazily, as ZeroMQ does) and sends `hello`; throws SpectatorError if the
  // engine does not answer within `timeout` or speaks another protocol major. A protected
  // engine (docs/reliability.md, "Threat model") is reached with the token in
  // COINRUN_TOKEN (or the first line of COINRUN_TOKEN_FILE) and, for tcp:// endpoints, its
  // CURVE public key in COINRUN_ENGINE_KEY (the key, or the path of its KEYFILE.pub).
  // Waits give up early (SpectatorError "CANCELLED") once `stop` is requested, so that
  // closing the window or switching envs never waits for a slow engine's timeout.
  SpectatorClient(std::string endpoint, std::chrono::milliseconds timeout,
                  std::stop_token stop = {});

  std::vector<SessionInfo> list_sessions();
  // Renders env `env` of `session` at width x height into `out` (its buffer is reused).
  void render(uint64_t session, int env, int width, int height, SpectatorFrame& out);

  const std::string& endpoint() const { return endpoint_; }
  const std::string& engine_version() const { return engine_version_; }

 private:
  struct Reply;
  Reply request(const std::string& type, const std::function<void(void*)>& pack_fields,
                int n_fields);

  std::string endpoint_;
  std::chrono::milliseconds timeout_;
  zmq::context_t ctx_;
  zmq::socket_t sock_;
  uint64_t next_id_ = 1;
  std::string token_;  // sent in every request when set
  std::string engine_version_;
  std::stop_token stop_;
};

// Pulls frames of one (session, env) on its own thread at a steady rate and hands each to
// `on_frame` (called on the worker thread; the receiver must copy or queue it). Only one
// request is in flight at a time, so a slow engine slows the spectator, never the reverse,
// and the frame rate drops below `fps` if renders take more than 5 % of wall time.
class SpectatorWorker {
 public:
  using FrameCallback = std::function<void(const SpectatorFrame&)>;
  using ErrorCallback = std::function<void(const std::string&)>;

  SpectatorWorker(std::string endpoint, uint64_t session, int env, int side, double fps,
                  FrameCallback on_frame, ErrorCallback on_error);
  ~SpectatorWorker();
  SpectatorWorker(const SpectatorWorker&) = delete;
  SpectatorWorker& operator=(const SpectatorWorker&) = delete;

  // Take effect from the next request.
  void set_side(int side) { side_.store(side); }
  void set_fps(double fps) { fps_.store(fps); }

 private:
  void run(std::stop_token stop);

  std::string endpoint_;
  uint64_t session_;
  int env_;
  std::atomic<int> side_;
  std::atomic<double> fps_;
  FrameCallback on_frame_;
  ErrorCallback on_error_;
  std::jthread thread_;
};

// How long a spectator waits for any one reply before giving up.
inline constexpr std::chrono::milliseconds kSpectatorTimeout{3000};

}  // namespace coinrun::viewer
