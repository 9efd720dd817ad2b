#include "curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace coinrun {
namespace {

constexpr size_t kZ85KeyChars = 40;

bool is_z85_key(const std::string& s) {
  if (s.size() != kZ85KeyChars) return false;
  std::array<uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), s.c_str()) != nullptr;
}

// Writes `text` + newline to `path`: exclusively (fails if it exists) or replacing it.
bool write_file(const std::string& path, const std::string& text, mode_t mode, bool exclusive) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) return false;
  const std::string line = text + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::fchmod(fd, mode);
  return ::close(fd) == 0 && ok;
}

std::string parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "" : path.substr(0, slash);
}

}  // namespace

std::string default_curve_key_path() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/coinrun/engine.key";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return std::string(h) + "/.config/coinrun/engine.key";
  }
  return "";
}

bool load_or_create_curve_keys(const std::string& path, CurveKeys& out, std::string& why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    // First use: a new pair, written 0600 and exclusively (a concurrent start reads it).
    const std::string dir = parent_dir(path);
    if (!dir.empty()) ::mkdir(dir.c_str(), 0700);
    std::array<char, kZ85KeyChars + 1> pub{}, sec{};
    if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
      why = "this libzmq cannot make CURVE keys (built without libsodium/tweetnacl); install "
            "Debian's libzmq5 or pass --key-file with a key made elsewhere";
      return false;
    }
    if (!write_file(path, sec.data(), 0600, true) && errno != EEXIST) {
      why = "cannot create the key file '" + path + "': " + std::strerror(errno) +
            "; pass --key-file with a writable path";
      return false;
    }
    if (::stat(path.c_str(), &st) != 0) {
      why = "cannot read the key file '" + path + "'";
      return false;
    }
  }
  if ((st.st_mode & 077) != 0) {
    why = "key file '" + path + "' is readable by others; chmod 600 it";
    return false;
  }
  std::ifstream in(path);
  std::getline(in, out.secret);
  while (!out.secret.empty() && (out.secret.back() == '\r' || out.secret.back() == ' ')) {
    out.secret.pop_back();
  }
  if (!is_z85_key(out.secret)) {
    why = "key file '" + path + "' does not hold a CURVE secret key (40 Z85 characters); "
          "delete it to have a new one made";
    return false;
  }
  std::array<char, kZ85KeyChars + 1> pub{};
  if (zmq_curve_public(pub.data(), out.secret.c_str()) != 0) {
    why = "cannot derive the public key from '" + path + "'";
    return false;
  }
  out.pub = pub.data();
  if (!write_file(path + ".pub", out.pub, 0644, false)) {
    why = "cannot write the public key file '" + path + ".pub': " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace coinrun
