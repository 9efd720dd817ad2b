#pragma once
// One session's own thread: it runs the session's requests in arrival order (handed over by
// the request thread) and takes the steps posted on its doorbell, stepping envs of them
// beside the pool's workers (step_stream.h), so a long step of one session never delays
// another session. Replies go out through the Outbox. Without work it spins
// briefly (doorbell sessions in a tight loop only) and then sleeps on the doorbell block's
// `wake` word (doorbell.h), which every giver of work moves.
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "request.h"
#include "session_handlers.h"

namespace coinrun {

class SessionWorker {
 public:
  // Starts the thread. `s`, `sink`, `render_sizes` and `renderer` must outlive the worker
  // (the Session owns it and destroys it first).
  SessionWorker(Session& s, ReplySink& sink, RenderSizeCap& render_sizes, SpectatorRenderer& renderer);
  // Stops after the request or step that is running; queued requests are dropped (their
  // session is closing).
  ~SessionWorker();
  SessionWorker(const SessionWorker&) = delete;
  SessionWorker& operator=(const SessionWorker&) = delete;

  // Request thread: queues one request of this session.
  void post(std::unique_ptr<InboundRequest> in);

 private:
  void run(std::stop_token stop);
  // Runs every queued request, oldest first; false when there was none.
  bool drain();
  void wake();

  Session& session_;
  SessionHandlers handlers_;
  std::atomic<size_t> queued_{0};  // queue_.size(), readable without the lock while spinning
  std::mutex mu_;
  std::deque<std::unique_ptr<InboundRequest>> queue_;
  std::jthread thread_;  // last: starts when everything above exists
};

}  // namespace coinrun
