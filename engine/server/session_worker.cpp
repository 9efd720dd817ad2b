#include "session_worker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace coinrun {
namespace {

// How long the thread sleeps without work before it looks at its stop flag again (a stop
// also wakes it at once).
constexpr int kIdleMs = 200;

}  // namespace

SessionWorker::SessionWorker(Session& s, ReplySink& sink, RenderSizeCap& render_sizes,
                             SpectatorRenderer& renderer)
    : handlers_(s, sink, render_sizes, renderer),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      doorbell_fd_(s.request_fd()) {
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd for a session worker");
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

SessionWorker::~SessionWorker() {
  thread_.request_stop();
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t w = ::write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  ::close(wake_fd_);
}

void SessionWorker::post(std::unique_ptr<InboundRequest> in) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(in));
  }
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t w = ::write(wake_fd_, &one, sizeof(one));
}

void SessionWorker::drain() {
  for (;;) {
    std::unique_ptr<InboundRequest> in;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) return;
      in = std::move(queue_.front());
      queue_.pop_front();
    }
    handlers_.handle(in->req);
  }
}

void SessionWorker::run(std::stop_token stop) {
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {doorbell_fd_, POLLIN, 0}};
  const nfds_t n = doorbell_fd_ >= 0 ? 2 : 1;
  while (!stop.stop_requested()) {
    if (::poll(fds, n, kIdleMs) <= 0) continue;  // timeout or EINTR
    if (stop.stop_requested()) break;
    if (n == 2 && (fds[1].revents & POLLIN)) handlers_.handle_doorbell();
    if (fds[0].revents & POLLIN) {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof(count));
      drain();
    }
  }
}

}  // namespace coinrun
