#pragma once
// The engine's front door: the ROUTER socket, receiving one multipart message, checking its
// envelope (frame count, msgpack map, protocol major, authentication token) and sending
// replies. Nothing here knows what a request does; request_handlers.h does.
#include <zmq.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "reply_sink.h"
#include "request.h"

namespace coinrun {

// Rewrites `tcp://*:P` to loopback unless remote access is allowed; throws
// std::invalid_argument for endpoints that are not ipc://, tcp:// or inproc://.
std::string resolve_bind_endpoint(const std::string& endpoint, bool allow_remote);

class Listener final : public ReplySink {
 public:
  // Binds `bind` (through resolve_bind_endpoint). With a non-empty `token`, every request
  // must carry it. With a non-empty `curve_secret` (Z85), the socket is a CURVE server: only
  // clients that know its public key can connect, and all traffic is encrypted.
  Listener(const std::string& bind, bool allow_remote, std::string token,
           const std::string& curve_secret, int log_level);

  // The endpoint actually bound (with the port chosen for tcp://...:0).
  const std::string& endpoint() const { return endpoint_; }
  // For zmq::poll.
  void* handle() { return sock_.handle(); }

  // Takes one queued multipart message into `frames` without waiting; false when none.
  bool receive(std::vector<zmq::message_t>& frames);
  // Fills `req` from `frames` (identity first). Throws ProtocolError for a bad envelope;
  // `req` then holds what is needed to send the error (identity, delimiter, id if known).
  void open(const std::vector<zmq::message_t>& frames, Request& req) const;
  // Sends `map` (and one payload frame when non-empty) to the request's peer. A full
  // queue or a vanished peer drops the reply: the client's timeout then reports it.
  using ReplySink::send;
  void send(const Request& req, std::span<const char> map, std::span<const uint8_t> payload) override;
  // Sends one reply queued by another thread (outbox.h), identity frame first; dropped
  // like above when it cannot be delivered.
  void send_frames(std::vector<zmq::message_t>& frames);

 private:
  zmq::context_t ctx_;
  zmq::socket_t sock_;
  std::string endpoint_;
  std::string token_;
  int log_level_;
};

}  // namespace coinrun
