#include "serve_command.h"

#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "curve_keys.h"
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
               " [--allow-remote] [--token-file FILE] [--key-file FILE] [--log-level 0|1|2]\n";
  return 2;
}

// True for endpoints only this machine can reach: ipc://, inproc://, and tcp:// on a
// loopback address. Anything else is a public server and needs a token.
bool is_local_endpoint(const std::string& ep) {
  if (ep.rfind("tcp://", 0) != 0) return true;
  const std::string rest = ep.substr(6);
  const size_t colon = rest.rfind(':');
  const std::string host = rest.substr(0, colon);
  return host.rfind("127.", 0) == 0 || host == "localhost" || host == "[::1]" || host == "::1";
}

// The token file must be private (like an ssh key): a token others can read protects nothing.
bool read_token_file(const std::string& path, std::string& out, std::string& why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    why = "cannot read token file '" + path + "'";
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    why = "token file '" + path + "' is readable by others; chmod 600 it";
    return false;
  }
  std::ifstream in(path);
  std::getline(in, out);
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ')) out.pop_back();
  if (out.size() < 16) {
    why = "token in '" + path + "' is shorter than 16 characters";
    return false;
  }
  return true;
}

}  // namespace

int run_serve_command(int argc, char** argv) {
  ServerOptions opts;
  std::string key_file;
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
    } else if (a == "--token-file") {
      std::string why;
      if (!value(v) || !read_token_file(v, opts.token, why)) {
        return usage_error(why.empty() ? "--token-file needs a path" : why);
      }
    } else if (a == "--key-file") {
      if (!value(key_file)) return usage_error("--key-file needs a path");
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  if (opts.bind.empty()) return usage_error("--bind is required");
  if (opts.token.empty()) {
    if (const char* t = std::getenv("COINRUN_TOKEN"); t != nullptr) opts.token = t;
  }
  std::string bound;
  try {
    bound = resolve_bind_endpoint(opts.bind, opts.allow_remote);
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }
  if (!is_local_endpoint(bound) && opts.token.empty()) {
    return usage_error("refusing to serve on '" + bound +
                       "' (reachable from other machines) without authentication: pass "
                       "--token-file FILE (mode 600) or set COINRUN_TOKEN");
  }
  // CURVE encryption: always for a public endpoint (the token must not cross the network in
  // clear), and wherever a key file is given; loopback and ipc:// stay plain otherwise.
  if (!is_local_endpoint(bound) || !key_file.empty()) {
    if (key_file.empty()) key_file = default_curve_key_path();
    if (key_file.empty()) {
      return usage_error("a public endpoint needs a CURVE key file and neither HOME nor "
                         "XDG_CONFIG_HOME is set: pass --key-file FILE");
    }
    CurveKeys keys;
    std::string why;
    if (!load_or_create_curve_keys(key_file, keys, why)) return usage_error(why);
    opts.curve_secret = keys.secret;
    if (opts.log_level >= 1) {
      std::cerr << "coinrun-engine: CURVE encryption on; public key " << keys.pub << " (in "
                << key_file << ".pub; clients need it as engine_key)\n";
    }
  }

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
