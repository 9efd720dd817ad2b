// Env states from bad bytes: every kind of damage is refused with a clear error, and a refused
// load (or a batch with one bad state) changes no env.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/env_pool.h"
#include "core/env_state.h"
#include "env_state_helpers.h"
#include "test_helpers.h"

namespace coinrun {
namespace {

using Batch = testing::BatchBuffers;
using testing::pool_options;
using testing::run;
using testing::Trace;

std::vector<uint8_t> with_fixed_crc(std::vector<uint8_t> s) {
  // Recompute the trailing CRC-32 (IEEE) so that a deliberately edited state passes the
  // checksum and reaches the later checks.
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i + 4 < s.size(); ++i) {
    c ^= s[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  c ^= 0xFFFFFFFFu;
  for (int i = 0; i < 4; ++i) s[s.size() - 4 + static_cast<size_t>(i)] = static_cast<uint8_t>(c >> (8 * i));
  return s;
}

StateErrorKind load_error(Env& env, std::span<const uint8_t> bytes, std::string* msg = nullptr) {
  try {
    env.load_state(bytes);
  } catch (const StateError& e) {
    if (msg) *msg = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "load_state accepted bad bytes";
  return StateErrorKind::BadRequest;
}

class EnvStateErrors : public ::testing::Test {
 protected:
  EnvStateErrors() : pool_(pool_options("standard", 4, 2, 5)), batch_(pool_) {
    pool_.reset(batch_.view());
    Trace tr;
    run(pool_, batch_, 0, 30, tr);
    good_ = pool_.env(1).save_state();
    before_ = pool_.get_states();
  }
  void expect_unchanged() { EXPECT_EQ(pool_.get_states(), before_) << "a refused load changed an env"; }

  EnvPool pool_;
  Batch batch_;
  std::vector<uint8_t> good_;
  std::vector<std::vector<uint8_t>> before_;
};

TEST_F(EnvStateErrors, TruncatedIsRefused) {
  for (size_t len : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{15}, size_t{16}, size_t{17},
                     good_.size() / 2, good_.size() - 4, good_.size() - 1}) {
    std::string msg;
    EXPECT_EQ(load_error(pool_.env(0), std::span(good_).first(len), &msg), StateErrorKind::Truncated)
        << "length " << len << ": " << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  }
  expect_unchanged();
}

TEST_F(EnvStateErrors, EveryFlippedByteIsRefused) {
  for (size_t pos = 0; pos < good_.size(); ++pos) {
    std::vector<uint8_t> bad = good_;
    bad[pos] ^= static_cast<uint8_t>(1u << (pos % 8));
    const StateErrorKind k = load_error(pool_.env(0), bad);
    if (pos < 8) {
      EXPECT_EQ(k, StateErrorKind::BadMagic) << "byte " << pos;
    } else if (pos >= 16) {
      EXPECT_EQ(k, StateErrorKind::Corrupted) << "byte " << pos;
    } else {
      EXPECT_TRUE(k == StateErrorKind::Corrupted || k == StateErrorKind::NewerVersion ||
                  k == StateErrorKind::Truncated)
          << "byte " << pos << ": " << to_string(k);
    }
  }
  std::vector<uint8_t> longer = good_;
  longer.push_back(0);
  EXPECT_EQ(load_error(pool_.env(0), longer), StateErrorKind::Corrupted);
  expect_unchanged();
}

TEST_F(EnvStateErrors, NewerFormatIsRefused) {
  std::vector<uint8_t> newer = good_;
  newer[8] = static_cast<uint8_t>(kStateFormatVersion + 1);
  newer = with_fixed_crc(newer);
  std::string msg;
  EXPECT_EQ(load_error(pool_.env(0), newer, &msg), StateErrorKind::NewerVersion);
  EXPECT_NE(msg.find("newer"), std::string::npos) << msg;
  expect_unchanged();
}

TEST_F(EnvStateErrors, ForeignGameIsRefused) {
  EnvPool maze(pool_options("maze", 1, 1, 5));
  std::string msg;
  EXPECT_EQ(load_error(pool_.env(0), maze.env(0).save_state(), &msg), StateErrorKind::WrongGame);
  EXPECT_NE(msg.find("'maze'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'standard'"), std::string::npos) << msg;
  EXPECT_EQ(load_error(maze.env(0), good_), StateErrorKind::WrongGame);
  expect_unchanged();
}

TEST_F(EnvStateErrors, OtherOptionsAreRefusedByName) {
  PoolOptions o = pool_options("standard", 1, 1, 5);
  o.num_levels = 500;
  o.use_data_augmentation = true;
  EnvPool other(o);
  std::string msg;
  EXPECT_EQ(load_error(pool_.env(0), other.env(0).save_state(), &msg), StateErrorKind::Mismatch);
  EXPECT_NE(msg.find("num_levels (state: 500, env: 0)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("use_data_augmentation"), std::string::npos) << msg;
  expect_unchanged();
}

TEST_F(EnvStateErrors, MalformedContentsBehindAValidChecksumAreRefused) {
  // Edit one byte at a time and fix the checksum: the first edit that lands on a flag, a
  // count or a tile must be caught by the content checks.
  const std::vector<uint8_t>& bad = good_;
  bool edited = false;
  EnvPool probe(pool_options("standard", 1, 1, 0));
  for (size_t pos = 16; pos + 4 < bad.size() && !edited; ++pos) {
    std::vector<uint8_t> trial = good_;
    trial[pos] = 0xFE;  // no tile, flag, kind or run uses this value
    trial = with_fixed_crc(trial);
    try {
      probe.env(0).load_state(trial);
    } catch (const StateError& e) {
      EXPECT_EQ(e.kind(), StateErrorKind::Corrupted);
      edited = std::string(e.what()).find("malformed") != std::string::npos;
    }
  }
  EXPECT_TRUE(edited) << "no single-byte edit produced a malformed-contents error";
  expect_unchanged();
}

// A small fuzz: random edits, cuts and insertions with the length and checksum fixed up so
// that they reach the content checks. Each load either works (and the env saves a valid
// state again) or throws StateError; nothing else (run it under COINRUN_SANITIZE too).
TEST_F(EnvStateErrors, RandomEditsBehindAValidChecksumNeverCrash) {
  EnvPool probe(pool_options("standard", 1, 1, 0));
  std::mt19937 g(2024);
  int refused = 0, loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> s(good_.begin(), good_.end() - 4);  // without the checksum
    const uint32_t kind = g() % 3;
    const size_t pos = 16 + g() % (s.size() - 16);
    if (kind == 0) {
      for (uint32_t k = 0, n = 1 + g() % 8; k < n; ++k) s[16 + g() % (s.size() - 16)] = static_cast<uint8_t>(g());
    } else if (kind == 1) {
      s.erase(s.begin() + static_cast<std::ptrdiff_t>(pos),
              s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), pos + 1 + g() % 64)));
    } else {
      for (uint32_t k = 0, n = 1 + g() % 64; k < n; ++k) {
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<uint8_t>(g()));
      }
    }
    s.insert(s.end(), 4, 0);  // room for the checksum
    const auto total = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) s[12 + static_cast<size_t>(i)] = static_cast<uint8_t>(total >> (8 * i));
    s = with_fixed_crc(s);
    try {
      probe.env(0).load_state(s);
      ++loaded;
      EXPECT_NO_THROW(describe_state(probe.env(0).save_state()));
    } catch (const StateError& e) {
      ++refused;
      EXPECT_TRUE(e.kind() == StateErrorKind::Corrupted || e.kind() == StateErrorKind::WrongGame ||
                  e.kind() == StateErrorKind::Mismatch)
          << to_string(e.kind()) << ": " << e.what();
    }
  }
  EXPECT_GT(refused, 1000);
  RecordProperty("fuzz_loaded", loaded);
  expect_unchanged();
}

// A forged state with a valid checksum but values no level can hold (a client could send
// one) is refused before it reaches the physics or the renderer.
TEST_F(EnvStateErrors, ImpossibleValuesAreRefused) {
  EnvPool forge(pool_options("standard", 1, 1, 5));
  auto forged = [&](auto edit) {
    GameState saved = forge.env(0).state();
    edit(forge.env(0).mutable_state());
    std::vector<uint8_t> bytes = forge.env(0).save_state();
    forge.env(0).mutable_state() = saved;
    std::string msg;
    EXPECT_EQ(load_error(pool_.env(0), bytes, &msg), StateErrorKind::Corrupted);
    return msg;
  };
  EXPECT_NE(forged([](GameState& s) { s.agent.y = 1e30f; }).find("agent.y"), std::string::npos);
  EXPECT_NE(forged([](GameState& s) { s.agent.vx = std::nanf(""); }).find("agent.vx"), std::string::npos);
  EXPECT_NE(forged([](GameState& s) { s.cosmetics.background = 200; }).find("background"), std::string::npos);
  EXPECT_NE(forged([](GameState& s) { s.zoom = 0; }).find("zoom"), std::string::npos);
  EXPECT_NE(forged([](GameState& s) { s.age = -5; }).find("age"), std::string::npos);
  expect_unchanged();
}

TEST_F(EnvStateErrors, OneBadStateInABatchChangesNoEnv) {
  std::vector<std::vector<uint8_t>> states = before_;
  for (auto& s : states) s = good_;
  states[2][40] ^= 0x10;
  std::fill(batch_.obs.begin(), batch_.obs.end(), 0xAB);
  try {
    pool_.set_states(states, {}, batch_.view());
    ADD_FAILURE() << "set_states accepted a corrupted state";
  } catch (const StateError& e) {
    EXPECT_EQ(e.kind(), StateErrorKind::Corrupted);
    EXPECT_EQ(e.index(), 2);
  }
  EXPECT_TRUE(std::all_of(batch_.obs.begin(), batch_.obs.end(), [](uint8_t v) { return v == 0xAB; }));
  expect_unchanged();
}

TEST_F(EnvStateErrors, BadEnvIdsAreRefused) {
  const std::vector<std::vector<uint8_t>> two{good_, good_};
  auto kind_of = [&](std::vector<int32_t> ids, const std::vector<std::vector<uint8_t>>& st) {
    try {
      pool_.set_states(st, ids, batch_.view());
    } catch (const StateError& e) {
      return e.kind();
    }
    return StateErrorKind::Truncated;  // "no error": never BadRequest
  };
  EXPECT_EQ(kind_of({0, 4}, two), StateErrorKind::BadRequest);
  EXPECT_EQ(kind_of({-1, 0}, two), StateErrorKind::BadRequest);
  EXPECT_EQ(kind_of({1, 1}, two), StateErrorKind::BadRequest);
  EXPECT_EQ(kind_of({1}, two), StateErrorKind::BadRequest);
  EXPECT_EQ(kind_of({}, two), StateErrorKind::BadRequest);  // 2 states for 4 envs
  EXPECT_THROW(pool_.get_states(std::vector<int32_t>{9}), StateError);
  expect_unchanged();
  // A valid subset restores only those envs.
  pool_.set_states(two, std::vector<int32_t>{3, 0}, batch_.view());
  const auto after = pool_.get_states();
  EXPECT_EQ(after[0], good_);
  EXPECT_EQ(after[3], good_);
  EXPECT_EQ(after[1], before_[1]);
  EXPECT_EQ(after[2], before_[2]);
}

}  // namespace
}  // namespace coinrun
