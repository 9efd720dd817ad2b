#include "outbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace coinrun {

Outbox::Outbox() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd for the reply queue");
}

Outbox::~Outbox() { ::close(fd_); }

void Outbox::send(const Request& req, std::span<const char> map, std::span<const uint8_t> payload) {
  std::vector<zmq::message_t> frames;
  frames.reserve(4);
  frames.emplace_back(req.identity->data(), req.identity->size());
  if (req.delimiter) frames.emplace_back();
  frames.emplace_back(map.data(), map.size());
  if (!payload.empty()) frames.emplace_back(payload.data(), payload.size());
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(frames));
  }
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t w = ::write(fd_, &one, sizeof(one));  // full counter: already woken
}

void Outbox::take(std::vector<std::vector<zmq::message_t>>& out) {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t r = ::read(fd_, &count, sizeof(count));
  out.clear();
  std::lock_guard lock(mu_);
  out.swap(queue_);
}

}  // namespace coinrun
