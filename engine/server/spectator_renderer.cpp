#include "spectator_renderer.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace coinrun {
namespace {

// Frames waiting at once, over all spectators (each holds a state copy of a few KB); a
// spectator asking faster than frames are drawn gets RESOURCE instead of growing the queue.
constexpr size_t kMaxQueuedFrames = 64;
// The drawing thread's nice value above the engine's: when the cores are busy, spectators'
// frames slow down before sessions' steps do.
constexpr int kNiceIncrement = 10;

}  // namespace

SpectatorRenderer::SpectatorRenderer(ReplySink& sink)
    : sink_(sink), thread_([this](std::stop_token st) { run(st); }) {}

SpectatorRenderer::~SpectatorRenderer() {
  thread_.request_stop();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SpectatorRenderer::post(const Request& req, const EnvSnapshot& snapshot, int width, int height) {
  Job job{zmq::message_t(req.identity->data(), req.identity->size()), req.delimiter, req.id, snapshot,
          width, height};
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueuedFrames) {
      throw ProtocolError(ErrorCode::Resource,
                          std::to_string(kMaxQueuedFrames) + " spectator frames are already waiting to be drawn",
                          "wait for each render reply before asking for the next frame");
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void SpectatorRenderer::run(std::stop_token stop) {
  // Linux: setpriority on a thread id sets that thread's nice value alone.
  const int tid = static_cast<int>(::syscall(SYS_gettid));
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), ::getpriority(PRIO_PROCESS, 0) + kNiceIncrement);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (stop.stop_requested()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    draw(job);
  }
}

void SpectatorRenderer::draw(Job& job) {
  Request req;
  req.identity = &job.identity;
  req.delimiter = job.delimiter;
  req.id = job.id;
  try {
    frame_.resize(static_cast<size_t>(job.width) * static_cast<size_t>(job.height) * 3);
    job.snapshot.render(FrameView::packed(frame_.data(), job.width, job.height));
    MapWriter w = replies_.begin(job.id, "render_ok");
    w.add("width", job.width).add("height", job.height).add("level_seed", job.snapshot.state.level_seed);
    w.add("episode_return", job.snapshot.episode_return).add("episode_length", job.snapshot.episode_length);
    sink_.send(req, w.finish(), frame_);
  } catch (...) {
    sink_.send(req, replies_.error(job.id, as_protocol_error(std::current_exception())));
  }
}

}  // namespace coinrun
