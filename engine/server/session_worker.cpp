#include "session_worker.h"

namespace coinrun {
namespace {

// How long the thread sleeps without work before it looks at its stop flag again (a stop
// also wakes it at once).
constexpr int64_t kIdleNs = 200'000'000;

}  // namespace

SessionWorker::SessionWorker(Session& s, ReplySink& sink, RenderSizeCap& render_sizes,
                             SpectatorRenderer& renderer)
    : session_(s), handlers_(s, sink, render_sizes, renderer) {
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

SessionWorker::~SessionWorker() {
  thread_.request_stop();
  wake();
  if (thread_.joinable()) thread_.join();
}

void SessionWorker::wake() {
  DoorbellBlock& d = session_.doorbell();
  signal(d.wake, d.engine_sleeping);
}

void SessionWorker::post(std::unique_ptr<InboundRequest> in) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(in));
    queued_.store(queue_.size(), std::memory_order_release);
  }
  wake();
}

bool SessionWorker::drain() {
  bool any = false;
  for (;;) {
    std::unique_ptr<InboundRequest> in;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) return any;
      in = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_release);
    }
    handlers_.handle(in->req);
    any = true;
  }
}

void SessionWorker::run(std::stop_token stop) {
  DoorbellBlock& d = session_.doorbell();
  const bool bell = session_.has_doorbell();
  uint64_t idle_ema_ns = 0;  // how long this thread usually waits for its next work
  while (!stop.stop_requested()) {
    // Read before looking for work: any work given after this moves `wake`.
    const uint32_t seen = shared(d.wake).load();
    bool worked = drain();
    if (bell) worked = handlers_.handle_doorbell() || worked;
    // Between posts, this thread steps envs of the batches in flight like the pool's workers.
    if (bell) worked = handlers_.run_stream_chunk() || worked;
    if (worked) continue;
    // Spinning only helps a doorbell client in a tight loop; it says how long it may last.
    const uint32_t cap_us = bell ? shared(d.spin_cap_us).load(std::memory_order_relaxed) : 0;
    const int64_t waited =
        wait_for_change(d.wake, seen, d.engine_sleeping, AdaptiveSpin::budget_ns(idle_ema_ns, cap_us), kIdleNs, [&] {
          return queued_.load(std::memory_order_acquire) > 0 || stop.stop_requested();
        });
    idle_ema_ns = AdaptiveSpin::update(idle_ema_ns, waited, cap_us);
  }
}

}  // namespace coinrun
