#pragma once
// The shared-memory layout of one session (docs/protocol.md, "Shared-memory layout"): a
// 4096-byte header with a self-describing region table, then `ring_depth` slots. Each slot
// is one contiguous block holding every region, so the inline transport's payload is exactly
// one slot's bytes. All fields are fixed-width little-endian (the engine runs on x86-64 and
// aarch64 only; a static_assert below pins the byte order).
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/batch_view.h"
#include "doorbell.h"

namespace coinrun {

static_assert(std::endian::native == std::endian::little, "the shm layout is little-endian");

inline constexpr uint32_t kLayoutVersion = 2;
inline constexpr char kShmMagic[8] = {'C', 'O', 'I', 'N', 'R', 'U', 'N', '\0'};
inline constexpr size_t kShmHeaderBytes = 4096;
inline constexpr size_t kPageBytes = 4096;
// Regions other than obs start on cache-line boundaries so that no two regions share a line.
inline constexpr size_t kRegionAlign = 64;
inline constexpr uint32_t kMaxRingDepth = 16;
inline constexpr size_t kRegionTableOffset = 128;
inline constexpr size_t kSlotSeqOffset = 1024;

enum class DType : uint32_t { U8 = 1, I32 = 2, U32 = 3, F32 = 4 };

enum class Region : uint32_t {
  Obs = 0,
  Actions,
  EnvIds,
  Reward,
  Terminated,
  Truncated,
  LevelSeed,
  PrevLevelComplete,
  EpisodeReturn,
  EpisodeLength,
  Done,
  PrevLevelSeed,
  FinalObs,  // the last frame of an episode that ended on a SAME_STEP step (done rows only)
  Count
};
inline constexpr size_t kNumRegions = static_cast<size_t>(Region::Count);

enum class ShmState : uint32_t { Running = 1, Closing = 2 };

struct RegionEntry {
  char name[16];
  uint32_t dtype;
  uint32_t env_stride;
  uint64_t offset;  // within a slot
  uint64_t bytes;   // within a slot
};
static_assert(sizeof(RegionEntry) == 40);

struct ShmHeader {
  char magic[8];
  uint32_t layout_version;
  uint32_t header_bytes;
  uint64_t total_bytes;
  uint64_t session_id;
  uint32_t engine_pid;
  uint32_t num_envs;
  uint32_t ring_depth;
  uint32_t obs_h;
  uint32_t obs_w;
  uint32_t obs_c;
  uint32_t n_actions;
  uint32_t state;
  uint64_t heartbeat;
  uint32_t num_regions;
  uint32_t reserved0;
  uint64_t slots_offset;
  uint64_t slot_bytes;
  uint8_t pad[kRegionTableOffset - 96];
  RegionEntry regions[kNumRegions];
};
static_assert(offsetof(ShmHeader, layout_version) == 8);
static_assert(offsetof(ShmHeader, total_bytes) == 16);
static_assert(offsetof(ShmHeader, session_id) == 24);
static_assert(offsetof(ShmHeader, engine_pid) == 32);
static_assert(offsetof(ShmHeader, num_envs) == 36);
static_assert(offsetof(ShmHeader, state) == 60);
static_assert(offsetof(ShmHeader, heartbeat) == 64);
static_assert(offsetof(ShmHeader, num_regions) == 72);
static_assert(offsetof(ShmHeader, slots_offset) == 80);
static_assert(offsetof(ShmHeader, slot_bytes) == 88);
static_assert(offsetof(ShmHeader, regions) == kRegionTableOffset);
static_assert(kRegionTableOffset + kNumRegions * sizeof(RegionEntry) <= kSlotSeqOffset);
static_assert(kSlotSeqOffset + kMaxRingDepth * sizeof(uint64_t) <= kShmHeaderBytes);

// The doorbell block (doorbell.h) fills the second half of the header.
inline constexpr size_t kDoorbellOffset = 2048;
static_assert(kDoorbellOffset + kDoorbellBytes == kShmHeaderBytes);
static_assert(kSlotSeqOffset + kMaxRingDepth * sizeof(uint64_t) <= kDoorbellOffset);
static_assert(kMaxRingDepth <= kDoorbellDepth);

// Sizes and offsets of every region, computed once per session.
struct ShmLayout {
  uint32_t num_envs = 0;
  uint32_t ring_depth = 0;
  uint32_t obs_c = 3;
  std::array<RegionEntry, kNumRegions> regions{};
  uint64_t slot_bytes = 0;
  uint64_t total_bytes = 0;  // header + all slots

  static ShmLayout compute(uint32_t num_envs, uint32_t ring_depth, uint32_t obs_c);

  const RegionEntry& region(Region r) const { return regions[static_cast<size_t>(r)]; }
  // Views of slot `slot` inside a mapping of the whole segment (or of the slot block alone
  // when `slots_base` points at the slot area).
  BatchView batch_view(uint8_t* slots_base, uint32_t slot) const;
  uint8_t* slot_ptr(uint8_t* slots_base, uint32_t slot) const {
    return slots_base + static_cast<size_t>(slot) * slot_bytes;
  }
  template <typename T>
  T* region_ptr(uint8_t* slots_base, uint32_t slot, Region r) const {
    return reinterpret_cast<T*>(slot_ptr(slots_base, slot) + region(r).offset);
  }
  // Writes the header (everything but slot_seq, which starts at zero).
  void write_header(void* dst, uint64_t session_id, uint32_t engine_pid,
                    uint32_t n_actions) const;
};

std::string_view region_name(Region r);

inline DoorbellBlock* doorbell_ptr(void* header) {
  return reinterpret_cast<DoorbellBlock*>(static_cast<uint8_t*>(header) + kDoorbellOffset);
}

// Points at slot_seq[0] in a mapped header.
inline uint64_t* slot_seq_ptr(void* header) {
  return reinterpret_cast<uint64_t*>(static_cast<uint8_t*>(header) + kSlotSeqOffset);
}

}  // namespace coinrun
