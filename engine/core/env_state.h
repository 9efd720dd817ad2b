#pragma once
// Per-env save and restore: one env's complete state as a compact,
// versioned, portable byte string, so that a run can be branched, searched from, or replayed
// bit for bit in another process with another thread count. The byte layout is documented in
// docs/state.md; every field is explicit little-endian, so the string does not depend on the
// machine, the compiler or the standard library.
//
// Entry points: Env::save_state / Env::load_state (one env) and EnvPool::get_states /
// EnvPool::set_states (a batch, all validated before any env changes). Bad bytes raise
// StateError and leave the env untouched.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/game_state.h"
#include "base/rng.h"

namespace coinrun {

class Env;

// Bumped whenever the layout changes; a loader refuses versions newer than its own.
inline constexpr uint16_t kStateFormatVersion = 1;
inline constexpr std::array<uint8_t, 8> kStateMagic = {'C', 'R', 'S', 'T', 'A', 'T', 'E', 0};

enum class StateErrorKind : uint8_t {
  Truncated,     // fewer bytes than the header or its declared length says
  BadMagic,      // not a CoinRun env state at all
  NewerVersion,  // written by a newer format than this engine reads
  Corrupted,     // checksum mismatch or malformed contents
  WrongGame,     // saved from another game
  Mismatch,      // saved with options that change how the env continues
  BadRequest,    // pool-level misuse: env id out of range, duplicate id, count mismatch
};

const char* to_string(StateErrorKind kind);

class StateError : public std::invalid_argument {
 public:
  StateError(StateErrorKind kind, const std::string& msg, int index = -1)
      : std::invalid_argument(msg), kind_(kind), index_(index) {}
  StateErrorKind kind() const { return kind_; }
  // Position of the offending state in a batch (EnvPool::set_states), -1 for one env.
  int index() const { return index_; }

 private:
  StateErrorKind kind_;
  int index_;
};

// The header fields and a few headline numbers of a state, for tools and debugging
// ("which level, which step, what return?"). Validates the whole string like a load does,
// except the match against a particular env.
struct StateSummary {
  uint16_t format_version = 0;
  std::string game;
  int engine_id = 0;
  size_t bytes = 0;
  uint32_t level_seed = 0;
  int age = 0;
  int clock = 0;
  float episode_return = 0;
  int episode_length = 0;
  bool awaiting_reset = false;
  bool level_over = false;
};
StateSummary describe_state(std::span<const uint8_t> bytes);

// ---- portable MT19937 state (exposed for tests) --------------------------------------------
// The generator is written as its next 624 untempered state words, i.e. the words whose
// tempering gives the next 624 outputs. That form is read off any std::mt19937 through its
// outputs alone, so it does not depend on how a standard library lays out the engine.
using MtWords = std::array<uint32_t, 624>;
MtWords mt_next_words(const std::mt19937& gen);
// Builds an engine whose next outputs are the tempering of `words`: the previous 624 words,
// recovered by inverting the twist, are handed to std::mt19937::seed(seed_seq&).
std::mt19937 mt_from_next_words(const MtWords& words);
// If `next_words` is std::mt19937(seed) after at most kMtMaxSeededDraws outputs, returns the
// seed and the count (found by running the seeding recurrence backwards, then checked). The
// level picker is re-seeded at reset(seed) and drawn once per episode, and the augmentation
// stream is never drawn without augmentation: in the common case 2.5 KB become 8 bytes.
struct MtSeedOrigin {
  uint32_t seed;
  uint32_t draws;
};
inline constexpr uint32_t kMtMaxSeededDraws = 621;
std::optional<MtSeedOrigin> mt_seed_origin(const MtWords& next_words);

// Friend of Env (and used by EnvPool): the codec. A load decodes and checks everything
// first and only then assigns, so a refused state leaves the env untouched.
class EnvStateCodec {
 public:
  struct Snapshot;  // a decoded state (env_state.cpp)

  static std::vector<uint8_t> encode(const Env& env);
  // Checks `bytes` against `target` without changing anything. Throws StateError, whose
  // index() is `index` (the position in a batch, or -1).
  static void check(std::span<const uint8_t> bytes, const Env& target, int index = -1);
  // Checks, then restores. Does not draw an observation.
  static void load(Env& env, std::span<const uint8_t> bytes, int index = -1);
  // Draws the current observation into `dst` without advancing the augmentation stream, so
  // that the next step's frame is the one the saved run drew.
  static void observe_without_advancing(Env& env, uint8_t* dst);

 private:
  static Snapshot& decode(std::span<const uint8_t> bytes, const Env& target, int index,
                          bool build_rngs);
};

}  // namespace coinrun
