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
      sessions_(engine_.pid, opts_.log_level),
      handlers_(listener_, sessions_, engine_) {
  frames_.reserve(8);
}

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
    items_.clear();
    item_sessions_.clear();
    items_.push_back({listener_.handle(), 0, ZMQ_POLLIN, 0});
    item_sessions_.push_back(nullptr);
    for (const auto& [id, s] : sessions_) {
      if (s->request_fd() >= 0) {
        items_.push_back({nullptr, s->request_fd(), ZMQ_POLLIN, 0});
        item_sessions_.push_back(s.get());
      }
    }
    int rc = 0;
    try {
      rc = zmq::poll(items_.data(), items_.size(), std::chrono::milliseconds(kTickMs));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    for (size_t k = 1; rc > 0 && k < items_.size(); ++k) {
      if (items_[k].revents & ZMQ_POLLIN) handlers_.handle_doorbell(*item_sessions_[k]);
    }
    if (rc > 0 && (items_[0].revents & ZMQ_POLLIN)) {
      for (int k = 0; k < kMaxMessagesPerWake && !handlers_.shutdown_requested(); ++k) {
        if (!listener_.receive(frames_)) break;
        if (frames_.size() >= 2) handlers_.handle(frames_);
      }
    }
    if (Clock::now() - last_tick_ >= std::chrono::milliseconds(kTickMs)) tick();
  }
  sessions_.close_all();
  return 0;
}

}  // namespace coinrun
