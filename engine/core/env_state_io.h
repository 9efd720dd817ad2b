#pragma once
// Internal to the env state codec: explicit little-endian writing and
// bounds-checked reading, and the GameState part of the format (env_state_game.cpp). Not
// for use outside env_state*.cpp.
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "env_state.h"
#include "base/game_state.h"

namespace coinrun::state_io {

// ---- little-endian writer and bounds-checked reader ----------------------------------------
class Writer {
 public:
  explicit Writer(size_t reserve) { buf_.reserve(reserve); }
  void u8(uint8_t v) { buf_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f32(float v) { u32(std::bit_cast<uint32_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void varint(uint32_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }
  void patch_u32(size_t pos, uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_[pos + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  size_t size() const { return buf_.size(); }
  std::vector<uint8_t> take() { return std::move(buf_); }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> buf_;
};

class Reader {
 public:
  Reader(std::span<const uint8_t> b, int index) : b_(b), index_(index) {}
  uint8_t u8() {
    need(1);
    return b_[pos_++];
  }
  uint16_t u16() { return static_cast<uint16_t>(get(2)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  float f32() { return std::bit_cast<float>(u32()); }
  bool boolean(const char* what) {
    const uint8_t v = u8();
    if (v > 1) malformed(std::string(what) + " is " + std::to_string(v) + ", not 0 or 1");
    return v == 1;
  }
  uint32_t varint() {
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      const uint8_t b = u8();
      v |= static_cast<uint32_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    malformed("a run length is longer than 5 bytes");
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return b_.size() - pos_; }
  [[noreturn]] void malformed(const std::string& what) const {
    throw StateError(StateErrorKind::Corrupted,
                     "env state is malformed at byte " + std::to_string(pos_) + ": " + what,
                     index_);
  }

 private:
  void need(size_t n) const {
    if (remaining() < n) malformed("it ends in the middle of a field");
  }
  uint64_t get(int n) {
    need(static_cast<size_t>(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(b_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
  int index_;
};

// The level part of a state (docs/state.md, "Byte layout"). read_game_state checks every
// value and throws StateError (Corrupted) through the reader.
void write_game_state(Writer& w, const GameState& s);
void read_game_state(Reader& r, GameState& s);

}  // namespace coinrun::state_io
