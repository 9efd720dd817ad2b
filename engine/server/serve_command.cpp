#include "serve_command.h"

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "server.h"

namespace coinrun {
namespace {

void on_signal(int) { Server::request_stop(); }

bool parse_int(const std::string& s, long lo, long hi, int& out) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

int usage_error(const std::string& msg) {
  std::cerr << "coinrun-engine serve: " << msg
            << "\nusage: coinrun-engine serve --bind ENDPOINT [--threads K] [--parent-pid PID]"
               " [--allow-remote] [--log-level 0|1|2]\n";
  return 2;
}

}  // namespace

int run_serve_command(int argc, char** argv) {
  ServerOptions opts;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--bind") {
      if (!value(opts.bind)) return usage_error("--bind needs an endpoint");
    } else if (a == "--threads") {
      if (!value(v) || !parse_int(v, 0, kMaxThreads, opts.default_threads)) {
        return usage_error("--threads needs an integer in [0, " + std::to_string(kMaxThreads) + "]");
      }
    } else if (a == "--parent-pid") {
      if (!value(v) || !parse_int(v, 1, 1 << 30, opts.parent_pid)) {
        return usage_error("--parent-pid needs a process id");
      }
    } else if (a == "--log-level") {
      if (!value(v) || !parse_int(v, 0, 2, opts.log_level)) {
        return usage_error("--log-level needs 0, 1 or 2");
      }
    } else if (a == "--allow-remote") {
      opts.allow_remote = true;
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  if (opts.bind.empty()) return usage_error("--bind is required");

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
  // A client that vanishes mid-write must not kill the engine.
  ::signal(SIGPIPE, SIG_IGN);

  try {
    Server server(opts);
    std::cout << "READY " << server.endpoint() << std::endl;
    return server.run();
  } catch (const std::exception& e) {
    std::cerr << "coinrun-engine serve: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace coinrun
