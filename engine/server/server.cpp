#include "server.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <iostream>

namespace coinrun {
namespace {

// How often the loop wakes up without traffic: bounds how late a dead parent, a dead
// client or a stop signal is noticed.
constexpr int kTickMs = 200;
// Messages taken from the socket per wake-up: drain what is queued, but keep ticking under
// constant traffic.
constexpr int kMaxMessagesPerWake = 64;

std::atomic<bool> g_stop{false};

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

EngineInfo engine_info(const ServerOptions& o) {
  EngineInfo e;
  e.pid = static_cast<uint32_t>(::getpid());
  e.hostname = hostname();
  e.start = Clock::now();
  e.default_threads = o.default_threads;
  e.log_level = o.log_level;
  return e;
}

}  // namespace

Server::Server(ServerOptions opts)
    : opts_(std::move(opts)),
      engine_(engine_info(opts_)),
      listener_(opts_.bind, opts_.allow_remote, opts_.token, opts_.curve_secret, opts_.log_level),
      renderer_(outbox_),
      sessions_(engine_.pid, opts_.log_level),
      handlers_(listener_, outbox_, renderer_, sessions_, engine_) {}

void Server::request_stop() { g_stop.store(true); }

bool Server::parent_alive() const {
  if (opts_.parent_pid <= 0) return true;
  if (::kill(static_cast<pid_t>(opts_.parent_pid), 0) != 0 && errno == ESRCH) return false;
  // Reparented: the parent we were started by is gone even if its pid was reused.
  if (::getppid() != static_cast<pid_t>(opts_.parent_pid)) {
    return ::getppid() != 1 && ::kill(static_cast<pid_t>(opts_.parent_pid), 0) == 0;
  }
  return true;
}

void Server::tick() {
  const auto now = Clock::now();
  last_tick_ = now;
  sessions_.reap(now, engine_.uptime_ms());
}

int Server::run() {
  while (!handlers_.shutdown_requested()) {
    if (g_stop.load()) break;
    if (!parent_alive()) {
      if (opts_.log_level >= 1) std::cerr << "coinrun-engine: parent process gone, exiting\n";
      break;
    }
    zmq::pollitem_t items[2] = {{listener_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, outbox_.fd(), ZMQ_POLLIN, 0}};
    int rc = 0;
    try {
      rc = zmq::poll(items, 2, std::chrono::milliseconds(kTickMs));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    if (rc > 0 && (items[1].revents & ZMQ_POLLIN)) {
      outbox_.take(replies_);
      for (auto& reply : replies_) listener_.send_frames(reply);
    }
    if (rc > 0 && (items[0].revents & ZMQ_POLLIN)) {
      for (int k = 0; k < kMaxMessagesPerWake && !handlers_.shutdown_requested(); ++k) {
        auto in = std::make_unique<InboundRequest>();
        if (!listener_.receive(in->frames)) break;
        if (in->frames.size() >= 2) handlers_.handle(std::move(in));
      }
    }
    if (Clock::now() - last_tick_ >= std::chrono::milliseconds(kTickMs)) tick();
  }
  sessions_.close_all();
  return 0;
}

}  // namespace coinrun
