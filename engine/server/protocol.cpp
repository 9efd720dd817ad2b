#include "protocol.h"

#include <cmath>

namespace coinrun {
namespace {

// Big enough for every legal request (a reset mask or level_seeds list of kMaxEnvs
// entries), small enough that a forged header costs little.
constexpr size_t kMaxArray = 70000;
constexpr size_t kMaxMap = 128;
constexpr size_t kMaxStr = 1 << 16;
constexpr size_t kMaxBin = 1 << 20;
constexpr size_t kMaxDepth = 6;

std::string type_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL: return "nil";
    case msgpack::type::BOOLEAN: return "bool";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER: return "int";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return "float";
    case msgpack::type::STR: return "string";
    case msgpack::type::BIN: return "bin";
    case msgpack::type::ARRAY: return "array";
    case msgpack::type::MAP: return "map";
    default: return "ext";
  }
}

[[noreturn]] void ill_typed(std::string_view key, const msgpack::object& o, const char* want) {
  throw ProtocolError(ErrorCode::BadMessage,
                      "field '" + std::string(key) + "' must be " + want + ", got " + type_name(o),
                      "fix the request; see docs/protocol.md");
}

[[noreturn]] void missing(std::string_view key) {
  throw ProtocolError(ErrorCode::BadMessage, "missing field '" + std::string(key) + "'",
                      "fix the request; see docs/protocol.md");
}

bool as_int(const msgpack::object& o, int64_t& out) {
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(o.via.u64);
    return true;
  }
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    out = o.via.i64;
    return true;
  }
  return false;
}

}  // namespace

std::string_view error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::BadMessage: return "BAD_MESSAGE";
    case ErrorCode::UnknownType: return "UNKNOWN_TYPE";
    case ErrorCode::VersionMismatch: return "VERSION_MISMATCH";
    case ErrorCode::UnknownGame: return "UNKNOWN_GAME";
    case ErrorCode::BadOption: return "BAD_OPTION";
    case ErrorCode::BadAction: return "BAD_ACTION";
    case ErrorCode::NoSession: return "NO_SESSION";
    case ErrorCode::BadSequence: return "BAD_SEQUENCE";
    case ErrorCode::Resource: return "RESOURCE";
    case ErrorCode::Internal: return "INTERNAL";
    case ErrorCode::BadState: return "BAD_STATE";
    case ErrorCode::Unauthorized: return "UNAUTHORIZED";
  }
  return "INTERNAL";
}

msgpack::unpack_limit request_unpack_limit() {
  return msgpack::unpack_limit(kMaxArray, kMaxMap, kMaxStr, kMaxBin, 0, kMaxDepth);
}

msgpack::object_handle decode_request(const void* data, size_t size) {
  msgpack::object_handle oh;
  try {
    oh = msgpack::unpack(static_cast<const char*>(data), size, nullptr, nullptr,
                         request_unpack_limit());
  } catch (const std::exception& e) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "request is not a valid msgpack message (" + std::string(e.what()) + ")",
                        "send one msgpack map per request; see docs/protocol.md");
  }
  if (oh.get().type != msgpack::type::MAP) {
    throw ProtocolError(ErrorCode::BadMessage,
                        "request must be a msgpack map, got " + type_name(oh.get()),
                        "send one msgpack map per request; see docs/protocol.md");
  }
  return oh;
}

const msgpack::object* Fields::find(std::string_view key) const {
  const auto& m = map_.via.map;
  for (uint32_t i = 0; i < m.size; ++i) {
    const msgpack::object& k = m.ptr[i].key;
    if (k.type == msgpack::type::STR && std::string_view(k.via.str.ptr, k.via.str.size) == key) {
      return &m.ptr[i].val;
    }
  }
  return nullptr;
}

std::optional<int64_t> Fields::opt_int(std::string_view key) const {
  const msgpack::object* o = find(key);
  if (!o || o->type == msgpack::type::NIL) return std::nullopt;
  int64_t v = 0;
  if (!as_int(*o, v)) ill_typed(key, *o, "an integer");
  return v;
}

int64_t Fields::get_int(std::string_view key) const {
  auto v = opt_int(key);
  if (!v) missing(key);
  return *v;
}

std::optional<double> Fields::opt_number(std::string_view key) const {
  const msgpack::object* o = find(key);
  if (!o || o->type == msgpack::type::NIL) return std::nullopt;
  int64_t i = 0;
  if (as_int(*o, i)) return static_cast<double>(i);
  if (o->type == msgpack::type::FLOAT32 || o->type == msgpack::type::FLOAT64) {
    if (!std::isfinite(o->via.f64)) ill_typed(key, *o, "a finite number");
    return o->via.f64;
  }
  ill_typed(key, *o, "a number");
}

double Fields::get_number(std::string_view key) const {
  auto v = opt_number(key);
  if (!v) missing(key);
  return *v;
}

std::optional<std::string> Fields::opt_string(std::string_view key) const {
  const msgpack::object* o = find(key);
  if (!o || o->type == msgpack::type::NIL) return std::nullopt;
  if (o->type != msgpack::type::STR) ill_typed(key, *o, "a string");
  return std::string(o->via.str.ptr, o->via.str.size);
}

std::string Fields::get_string(std::string_view key) const {
  auto v = opt_string(key);
  if (!v) missing(key);
  return *v;
}

std::optional<bool> Fields::opt_bool(std::string_view key) const {
  const msgpack::object* o = find(key);
  if (!o || o->type == msgpack::type::NIL) return std::nullopt;
  if (o->type != msgpack::type::BOOLEAN) ill_typed(key, *o, "a bool");
  return o->via.boolean;
}

std::optional<std::string_view> Fields::opt_bin(std::string_view key) const {
  const msgpack::object* o = find(key);
  if (!o || o->type == msgpack::type::NIL) return std::nullopt;
  if (o->type == msgpack::type::BIN) return std::string_view(o->via.bin.ptr, o->via.bin.size);
  if (o->type == msgpack::type::STR) return std::string_view(o->via.str.ptr, o->via.str.size);
  ill_typed(key, *o, "binary");
}

const msgpack::object* Fields::opt_map(std::string_view key) const {
  const msgpack::object* o = find(key);
  if (!o || o->type == msgpack::type::NIL) return nullptr;
  if (o->type != msgpack::type::MAP) ill_typed(key, *o, "a map");
  return o;
}

const msgpack::object* Fields::opt_array(std::string_view key) const {
  const msgpack::object* o = find(key);
  if (!o || o->type == msgpack::type::NIL) return nullptr;
  if (o->type != msgpack::type::ARRAY) ill_typed(key, *o, "an array");
  return o;
}

const msgpack::sbuffer& MapWriter::finish() {
  out_->clear();
  msgpack::packer<msgpack::sbuffer> p(out_);
  p.pack_map(count_);
  out_->write(body_->data(), body_->size());
  return *out_;
}

}  // namespace coinrun
