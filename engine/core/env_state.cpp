// Env state codec. Layout (docs/state.md), all integers little-endian:
//   magic "CRSTATE\0" | u16 format version | u16 engine id | u32 total bytes
//   | u8 name length, game name | options that shape the continuation | payload | u32 CRC-32
// Checks run in the order that gives the most useful message: magic, version (a newer
// format may change everything after it), length, checksum, game, options, contents.
#include "env_state.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <exception>
#include <optional>
#include <string_view>

#include "env.h"
#include "env_pool.h"
#include "env_state_io.h"
#include "option_table.h"

namespace coinrun {
namespace {

using state_io::Reader;
using state_io::Writer;

constexpr size_t kFixedHeaderBytes = 16;  // magic, version, engine id, total bytes
constexpr size_t kChecksumBytes = 4;

// ---- CRC-32 (IEEE 802.3, the zlib/PNG polynomial) ------------------------------------------
constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

uint32_t crc32(std::span<const uint8_t> b) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t x : b) c = kCrcTable[(c ^ x) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

enum RngEncoding : uint8_t { kRngSeeded = 0, kRngWords = 1 };

void write_rng(Writer& w, const std::mt19937& gen) {
  const MtWords next = mt_next_words(gen);
  if (const auto origin = mt_seed_origin(next)) {
    w.u8(kRngSeeded);
    w.u32(origin->seed);
    w.u32(origin->draws);
    return;
  }
  w.u8(kRngWords);
  for (uint32_t x : next) w.u32(x);
}

// Reads one RNG record; builds the engine into `out` unless it is null (checking only).
void read_rng(Reader& r, const char* what, std::mt19937* out) {
  const uint8_t kind = r.u8();
  if (kind == kRngSeeded) {
    const uint32_t seed = r.u32();
    const uint32_t draws = r.u32();
    if (draws > kMtMaxSeededDraws) {
      r.malformed(std::string(what) + " claims " + std::to_string(draws) + " draws (max " +
                  std::to_string(kMtMaxSeededDraws) + ")");
    }
    if (out) {
      out->seed(seed);
      out->discard(draws);
    }
    return;
  }
  if (kind != kRngWords) r.malformed(std::string(what) + " has unknown encoding " + std::to_string(kind));
  MtWords next;
  for (uint32_t& x : next) x = r.u32();
  if (out) *out = mt_from_next_words(next);
}

// ---- the options that decide how an env continues -----------------------------------------
// A state only continues bit-exactly in an env made with the same values, so they travel in
// the header and a mismatch is refused by name. (The pool seed and env index do not matter:
// the random streams themselves are in the state.)
// Which options those are, in which order and encoding, is the option table's
// (option_table.h: state_options()); here they are integers in that order.
using ContinuationOptions = std::vector<int64_t>;

ContinuationOptions options_of(const PoolOptions& effective) {
  ContinuationOptions values;
  for (const OptionSpec* spec : state_options()) values.push_back(state_value(*spec, effective));
  return values;
}

void write_options(Writer& w, const ContinuationOptions& values) {
  const auto specs = state_options();
  for (size_t k = 0; k < specs.size(); ++k) {
    const int64_t v = values[k];
    switch (specs[k]->state_field) {
      case StateField::Bool8: w.boolean(v != 0); break;
      case StateField::Int32: w.i32(static_cast<int32_t>(v)); break;
      case StateField::Int64: w.i64(v); break;
      case StateField::Choice8: w.u8(static_cast<uint8_t>(v)); break;
      case StateField::None: break;
    }
  }
}

void read_options(Reader& r, ContinuationOptions& values) {
  values.clear();
  for (const OptionSpec* spec : state_options()) {
    const std::string name(spec->name);
    switch (spec->state_field) {
      case StateField::Bool8: values.push_back(r.boolean(name.c_str()) ? 1 : 0); break;
      case StateField::Int32: values.push_back(r.i32()); break;
      case StateField::Int64: values.push_back(r.i64()); break;
      case StateField::Choice8: {
        const uint8_t v = r.u8();
        if (v >= spec->choices.size()) r.malformed("unknown " + name + " " + std::to_string(v));
        values.push_back(v);
        break;
      }
      case StateField::None: break;
    }
  }
}

// "num_levels (state: 500, env: 0)" for every option that differs, or "".
std::string differences(const ContinuationOptions& saved, const ContinuationOptions& here) {
  std::string out;
  const auto specs = state_options();
  for (size_t k = 0; k < specs.size(); ++k) {
    if (saved[k] == here[k]) continue;
    if (!out.empty()) out += ", ";
    out += std::string(specs[k]->name) + " (state: " + state_value_text(*specs[k], saved[k]) +
           ", env: " + state_value_text(*specs[k], here[k]) + ")";
  }
  return out;
}

constexpr uint8_t kFlagFirstEpisode = 1, kFlagAwaitingReset = 2;

}  // namespace

// ---- public helpers ------------------------------------------------------------------------
const char* to_string(StateErrorKind kind) {
  switch (kind) {
    case StateErrorKind::Truncated: return "truncated";
    case StateErrorKind::BadMagic: return "bad_magic";
    case StateErrorKind::NewerVersion: return "newer_version";
    case StateErrorKind::Corrupted: return "corrupted";
    case StateErrorKind::WrongGame: return "wrong_game";
    case StateErrorKind::Mismatch: return "option_mismatch";
    case StateErrorKind::BadRequest: return "bad_request";
  }
  return "unknown";
}

// ---- the codec -----------------------------------------------------------------------------
struct EnvStateCodec::Snapshot {
  std::string game;
  int engine_id = 0;
  uint16_t version = 0;
  size_t bytes = 0;
  ContinuationOptions options;
  bool first_episode = false;
  bool awaiting_reset = false;
  float episode_return = 0;
  int episode_length = 0;
  std::mt19937 sampler_gen;
  std::mt19937 aug_gen;
  GameState state;
};

namespace {

// Header, checksum and payload into `snap`; no comparison with any env. The random streams
// are only rebuilt when `build_rngs` (checking a batch first does not need them).
void parse(std::span<const uint8_t> b, int index, EnvStateCodec::Snapshot& snap, bool build_rngs) {
  auto fail = [&](StateErrorKind k, const std::string& m) -> StateError { return StateError(k, m, index); };
  const size_t magic_len = std::min(b.size(), kStateMagic.size());
  if (!std::equal(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(magic_len), kStateMagic.begin())) {
    throw fail(StateErrorKind::BadMagic, "not a CoinRun env state: it does not start with \"CRSTATE\"");
  }
  if (b.size() < kFixedHeaderBytes) {
    throw fail(StateErrorKind::Truncated, "env state is truncated: " + std::to_string(b.size()) +
                                              " bytes, shorter than its " +
                                              std::to_string(kFixedHeaderBytes) + "-byte header");
  }
  Reader r(b, index);
  for (size_t i = 0; i < kStateMagic.size(); ++i) r.u8();
  snap.version = r.u16();
  if (snap.version > kStateFormatVersion) {
    throw fail(StateErrorKind::NewerVersion,
               "env state has format version " + std::to_string(snap.version) +
                   ", newer than this engine reads (" + std::to_string(kStateFormatVersion) +
                   "): load it with the engine version that saved it, or upgrade");
  }
  if (snap.version == 0) throw fail(StateErrorKind::Corrupted, "env state has format version 0");
  snap.engine_id = r.u16();
  const uint32_t total = r.u32();
  if (b.size() < total) {
    throw fail(StateErrorKind::Truncated, "env state is truncated: its header says " +
                                              std::to_string(total) + " bytes, got " +
                                              std::to_string(b.size()));
  }
  if (b.size() > total || total < kFixedHeaderBytes + kChecksumBytes) {
    throw fail(StateErrorKind::Corrupted, "env state is corrupted: its header says " +
                                              std::to_string(total) + " bytes, got " +
                                              std::to_string(b.size()));
  }
  const size_t body = total - kChecksumBytes;
  uint32_t stored = 0;
  for (size_t i = 0; i < 4; ++i) stored |= static_cast<uint32_t>(b[body + i]) << (8 * i);
  if (crc32(b.first(body)) != stored) {
    throw fail(StateErrorKind::Corrupted, "env state is corrupted: checksum mismatch");
  }
  Reader p(b.first(body), index);
  for (size_t i = 0; i < kFixedHeaderBytes; ++i) p.u8();
  const uint8_t name_len = p.u8();
  snap.game.clear();
  for (uint8_t i = 0; i < name_len; ++i) snap.game.push_back(static_cast<char>(p.u8()));
  read_options(p, snap.options);
  const uint8_t flags = p.u8();
  if (flags & ~(kFlagFirstEpisode | kFlagAwaitingReset)) p.malformed("unknown env flags");
  snap.first_episode = flags & kFlagFirstEpisode;
  snap.awaiting_reset = flags & kFlagAwaitingReset;
  snap.episode_return = p.f32();
  if (!std::isfinite(snap.episode_return)) p.malformed("episode_return is not finite");
  snap.episode_length = p.i32();
  if (snap.episode_length < 0) p.malformed("episode_length is negative");
  read_rng(p, "the level picker", build_rngs ? &snap.sampler_gen : nullptr);
  read_rng(p, "the augmentation stream", build_rngs ? &snap.aug_gen : nullptr);
  state_io::read_game_state(p, snap.state);
  if (p.remaining() != 0) p.malformed(std::to_string(p.remaining()) + " unread bytes");
  snap.bytes = total;
}

// One decoded state per thread, reused: a GameState is 38 KB, and allocating one per env
// and per call showed up as page faults in the 64-env figures.
EnvStateCodec::Snapshot& scratch_snapshot() {
  thread_local std::unique_ptr<EnvStateCodec::Snapshot> snap;
  if (!snap) snap = std::make_unique<EnvStateCodec::Snapshot>();
  return *snap;
}

}  // namespace

std::vector<uint8_t> EnvStateCodec::encode(const Env& e) {
  Writer w(1536 + 120 * static_cast<size_t>(e.state_.num_monsters));
  for (uint8_t c : kStateMagic) w.u8(c);
  w.u16(kStateFormatVersion);
  const GameInfo& info = e.game_->info();
  w.u16(static_cast<uint16_t>(info.engine_id));
  const size_t total_at = w.size();
  w.u32(0);  // total bytes, patched below
  w.u8(static_cast<uint8_t>(info.name.size()));
  for (char c : info.name) w.u8(static_cast<uint8_t>(c));
  write_options(w, options_of(e.options_));
  w.u8(static_cast<uint8_t>((e.first_episode_ ? kFlagFirstEpisode : 0) |
                            (e.awaiting_reset_ ? kFlagAwaitingReset : 0)));
  w.f32(e.episode_return_);
  w.i32(e.episode_length_);
  write_rng(w, e.sampler_.rng().engine());
  write_rng(w, e.aug_rng_.engine());
  state_io::write_game_state(w, e.state_);
  w.patch_u32(total_at, static_cast<uint32_t>(w.size() + kChecksumBytes));
  std::vector<uint8_t> out = w.take();
  const uint32_t c = crc32(out);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(c >> (8 * i)));
  return out;
}

EnvStateCodec::Snapshot& EnvStateCodec::decode(std::span<const uint8_t> bytes, const Env& target,
                                               int index, bool build_rngs) {
  Snapshot& snap = scratch_snapshot();
  parse(bytes, index, snap, build_rngs);
  const GameInfo& info = target.game_->info();
  if (snap.game != info.name || snap.engine_id != info.engine_id) {
    throw StateError(StateErrorKind::WrongGame,
                     "env state is for game '" + snap.game + "' (" +
                         std::to_string(snap.engine_id) + "), this env plays '" +
                         std::string(info.name) + "' (" + std::to_string(info.engine_id) + ")",
                     index);
  }
  const ContinuationOptions here = options_of(target.options_);
  const std::string diff = differences(snap.options, here);
  if (!diff.empty()) {
    throw StateError(StateErrorKind::Mismatch,
                     "env state was saved with other options: " + diff +
                         "; create the env with the state's options",
                     index);
  }
  return snap;
}

void EnvStateCodec::check(std::span<const uint8_t> bytes, const Env& target, int index) {
  decode(bytes, target, index, false);
}

void EnvStateCodec::load(Env& e, std::span<const uint8_t> bytes, int index) {
  const Snapshot& s = decode(bytes, e, index, true);
  // Nothing below can fail.
  e.state_ = s.state;
  e.sampler_.rng().engine() = s.sampler_gen;
  e.aug_rng_.engine() = s.aug_gen;
  e.first_episode_ = s.first_episode;
  e.awaiting_reset_ = s.awaiting_reset;
  e.episode_return_ = s.episode_return;
  e.episode_length_ = s.episode_length;
}

void EnvStateCodec::observe_without_advancing(Env& e, uint8_t* dst) {
  if (!e.render_.use_data_augmentation) {
    e.observe(dst);
    return;
  }
  const Rng saved = e.aug_rng_;
  e.observe(dst);
  e.aug_rng_ = saved;
}

StateSummary describe_state(std::span<const uint8_t> bytes) {
  EnvStateCodec::Snapshot& snap = scratch_snapshot();
  parse(bytes, -1, snap, false);
  const EnvStateCodec::Snapshot* s = &snap;
  StateSummary out;
  out.format_version = s->version;
  out.game = s->game;
  out.engine_id = s->engine_id;
  out.bytes = s->bytes;
  out.level_seed = s->state.level_seed;
  out.age = s->state.age;
  out.clock = s->state.clock;
  out.episode_return = s->episode_return;
  out.episode_length = s->episode_length;
  out.awaiting_reset = s->awaiting_reset;
  out.level_over = s->state.level_over;
  return out;
}

// ---- Env and EnvPool entry points (declared in env.h / env_pool.h) -------------------------
std::vector<uint8_t> Env::save_state() const { return EnvStateCodec::encode(*this); }

void Env::load_state(std::span<const uint8_t> bytes) { EnvStateCodec::load(*this, bytes); }

std::vector<std::vector<uint8_t>> EnvPool::get_states(std::span<const int32_t> env_ids) {
  try {
    check_env_ids(env_ids, false);
  } catch (const ActionError& e) {
    throw StateError(StateErrorKind::BadRequest, e.what(), e.env());
  }
  const int n = env_ids.empty() ? num_envs() : static_cast<int>(env_ids.size());
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(n));
  pool_.parallel_for(n, chunk_size(n), [&](int begin, int end) {
    for (int j = begin; j < end; ++j) {
      const int id = env_ids.empty() ? j : env_ids[static_cast<size_t>(j)];
      out[static_cast<size_t>(j)] = env(id).save_state();
    }
  });
  return out;
}

void EnvPool::set_states(std::span<const std::vector<uint8_t>> states,
                         std::span<const int32_t> env_ids, const BatchView& out) {
  const size_t want = env_ids.empty() ? static_cast<size_t>(num_envs()) : env_ids.size();
  if (states.size() != want) {
    throw StateError(StateErrorKind::BadRequest,
                     "set_states got " + std::to_string(states.size()) + " states for " +
                         std::to_string(want) + (env_ids.empty() ? " envs (all)" : " env ids"));
  }
  try {
    check_env_ids(env_ids, true);  // one state per env
  } catch (const ActionError& e) {
    throw StateError(StateErrorKind::BadRequest, e.what(), e.env());
  }
  const int n = static_cast<int>(states.size());
  auto id_of = [&](int j) { return env_ids.empty() ? j : env_ids[static_cast<size_t>(j)]; };

  // Phase 1: check every state. Workers never throw across the pool; the first failure by
  // position is re-thrown afterwards, before any env has changed.
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
  pool_.parallel_for(n, chunk_size(n), [&](int begin, int end) {
    for (int j = begin; j < end; ++j) {
      try {
        EnvStateCodec::check(states[static_cast<size_t>(j)], env(id_of(j)), j);
      } catch (...) {
        errors[static_cast<size_t>(j)] = std::current_exception();
      }
    }
  });
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }

  // Phase 2: the same bytes against the same envs, so the loads cannot fail now.
  pool_.parallel_for(n, chunk_size(n), [&](int begin, int end) {
    for (int j = begin; j < end; ++j) {
      const int i = id_of(j);
      Env& e = env(i);
      EnvStateCodec::load(e, states[static_cast<size_t>(j)], j);
      if (out.obs) EnvStateCodec::observe_without_advancing(e, out.obs + static_cast<size_t>(i) * out.obs_env_stride);
      write_unstepped_columns(out, static_cast<size_t>(i), e.state().level_seed);
    }
  });
}

}  // namespace coinrun
