#pragma once
// Wire protocol 1.2 (docs/protocol.md): error codes, typed access to a decoded request map,
// and a map writer for replies. Every decoding failure becomes a ProtocolError with a code;
// the server turns it into an error reply and changes nothing.
#include <msgpack.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace coinrun {

inline constexpr int kProtocolMajor = 1;
inline constexpr int kProtocolMinor = 2;  // 1.1: get_state, set_state, BAD_STATE; 1.2: UNAUTHORIZED

// `render` sizes: the default is the viewing size of docs/rules.md §7.12; the bounds keep one
// request's frame (and the renderer's scaled sprites) small.
inline constexpr int kDefaultRenderSide = 512;
inline constexpr int kMinRenderSide = 16;
inline constexpr int kMaxRenderSide = 2048;

enum class ErrorCode {
  BadMessage,
  UnknownType,
  VersionMismatch,
  UnknownGame,
  BadOption,
  BadAction,
  NoSession,
  BadSequence,
  Resource,
  Internal,
  BadState,  // a refused env state (1.1); details {index, reason}
  Unauthorized,  // a missing or wrong token (1.2)
};

std::string_view error_code_name(ErrorCode c);

// One integer or string detail of an error reply (`details` map).
struct ErrorDetail {
  std::string key;
  std::optional<int64_t> int_value;
  std::string str_value;
};

class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(ErrorCode code, const std::string& message, std::string hint = {},
                std::vector<ErrorDetail> details = {})
      : std::runtime_error(message), code_(code), hint_(std::move(hint)),
        details_(std::move(details)) {}
  ErrorCode code() const { return code_; }
  const std::string& hint() const { return hint_; }
  const std::vector<ErrorDetail>& details() const { return details_; }

 private:
  ErrorCode code_;
  std::string hint_;
  std::vector<ErrorDetail> details_;
};

// Limits applied while unpacking untrusted bytes, so that a forged length cannot make the
// engine allocate gigabytes (maps, arrays, strings, binaries, ext, nesting depth).
msgpack::unpack_limit request_unpack_limit();

// Decodes one request frame; throws ProtocolError(BadMessage) for anything but a map.
msgpack::object_handle decode_request(const void* data, size_t size);

// Typed, validated field access on a decoded map.
class Fields {
 public:
  explicit Fields(const msgpack::object& map) : map_(map) {}
  const msgpack::object* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  int64_t get_int(std::string_view key) const;  // required
  std::optional<int64_t> opt_int(std::string_view key) const;
  double get_number(std::string_view key) const;
  std::optional<double> opt_number(std::string_view key) const;
  std::string get_string(std::string_view key) const;
  std::optional<std::string> opt_string(std::string_view key) const;
  std::optional<bool> opt_bool(std::string_view key) const;
  // A bin (or str) field as raw bytes.
  std::optional<std::string_view> opt_bin(std::string_view key) const;
  const msgpack::object* opt_map(std::string_view key) const;
  const msgpack::object* opt_array(std::string_view key) const;

 private:
  const msgpack::object& map_;
};

// Writes a msgpack map whose size is known only at the end. Both buffers are reused across
// messages, so building a reply allocates nothing once they have grown.
class MapWriter {
 public:
  MapWriter(msgpack::sbuffer& body, msgpack::sbuffer& out) : body_(&body), out_(&out) {
    body_->clear();
  }
  template <typename T>
  MapWriter& add(std::string_view key, const T& value) {
    msgpack::packer<msgpack::sbuffer> pk(body_);
    pk.pack(key);
    pk.pack(value);
    ++count_;
    return *this;
  }
  // Packs the key; the caller packs exactly one value through the returned packer.
  msgpack::packer<msgpack::sbuffer> key(std::string_view key) {
    msgpack::packer<msgpack::sbuffer>(body_).pack(key);
    ++count_;
    return msgpack::packer<msgpack::sbuffer>(body_);
  }
  // The finished map, in `out`.
  const msgpack::sbuffer& finish();

 private:
  msgpack::sbuffer* body_;
  msgpack::sbuffer* out_;
  uint32_t count_ = 0;
};

}  // namespace coinrun
