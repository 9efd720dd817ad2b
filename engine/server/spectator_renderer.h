#pragma once
// Spectators' frames (`render`, docs/protocol.md "Spectators"), drawn off the sessions'
// threads: a session's worker copies the env's state (EnvSnapshot, a few KB, microseconds)
// and queues it here; one engine-wide thread at a lower scheduling priority draws the frame
// and queues the reply in the Outbox. Watching a session therefore costs it the copy, not
// the drawing (docs/viewer.md, "Cost to the session").
#include <zmq.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/env.h"
#include "reply_encoding.h"
#include "reply_sink.h"
#include "request.h"

namespace coinrun {

class SpectatorRenderer {
 public:
  // Starts the thread; `sink` must outlive the renderer.
  explicit SpectatorRenderer(ReplySink& sink);
  // Stops after the frame being drawn; queued frames are dropped (the engine is stopping).
  ~SpectatorRenderer();
  SpectatorRenderer(const SpectatorRenderer&) = delete;
  SpectatorRenderer& operator=(const SpectatorRenderer&) = delete;

  // Any thread: queues one frame of `width` x `height` for the request's peer. Throws
  // ProtocolError(Resource) when too many frames are already waiting.
  void post(const Request& req, const EnvSnapshot& snapshot, int width, int height);

 private:
  struct Job {
    zmq::message_t identity;
    bool delimiter = false;
    int64_t id = 0;
    EnvSnapshot snapshot;
    int width = 0;
    int height = 0;
  };
  void run(std::stop_token stop);
  void draw(Job& job);

  ReplySink& sink_;
  ReplyEncoder replies_;
  std::vector<uint8_t> frame_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::deque<Job> queue_;
  std::jthread thread_;  // last: starts when everything above exists
};

}  // namespace coinrun
