#pragma once
// The engine's CURVE key pair (ZeroMQ's own encryption, docs/reliability.md "Threat model"):
// the secret key lives in a private file (mode 0600, Z85 text, created on first use), the
// public key next to it in FILE.pub for clients to copy.
#include <string>

namespace coinrun {

struct CurveKeys {
  std::string secret;  // Z85, 40 characters
  std::string pub;     // Z85, 40 characters
};

// Where the key lives when `serve` is not given --key-file:
// $XDG_CONFIG_HOME/coinrun/engine.key, else $HOME/.config/coinrun/engine.key; empty when
// neither variable is set.
std::string default_curve_key_path();

// Reads the secret key from `path`, or creates a new pair there (0600, exclusively) when the
// file does not exist, and (re)writes `path`.pub with the public key. False with `why` set
// (one sentence saying what to do) when the file is readable by others, malformed, or cannot
// be written.
bool load_or_create_curve_keys(const std::string& path, CurveKeys& out, std::string& why);

}  // namespace coinrun
