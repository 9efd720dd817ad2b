#pragma once
// Replies built off the request thread (session workers, the spectator renderer): only the
// request thread may use the ROUTER socket, so other threads queue complete multipart
// replies here and wake it through an eventfd that its poll loop watches.
#include <zmq.hpp>

#include <mutex>
#include <vector>

#include "reply_sink.h"

namespace coinrun {

class Outbox final : public ReplySink {
 public:
  Outbox();  // throws std::system_error when no eventfd can be made
  ~Outbox() override;
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Readable when replies are queued (for zmq::poll on the request thread).
  int fd() const { return fd_; }
  // Any thread: copies the peer identity, the map and the payload into one queued reply.
  using ReplySink::send;
  void send(const Request& req, std::span<const char> map, std::span<const uint8_t> payload) override;
  // Request thread: moves every queued reply into `out` (cleared first).
  void take(std::vector<std::vector<zmq::message_t>>& out);

 private:
  int fd_ = -1;
  std::mutex mu_;
  std::vector<std::vector<zmq::message_t>> queue_;
};

}  // namespace coinrun
