#include "shm_layout.h"

#include <cstring>
#include <stdexcept>

#include "render/observation.h"

namespace coinrun {
namespace {

size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

struct RegionSpec {
  Region id;
  DType dtype;
  size_t elem_bytes;
};

constexpr RegionSpec kSpecs[kNumRegions] = {
    {Region::Obs, DType::U8, 1},
    {Region::Actions, DType::I32, 4},
    {Region::EnvIds, DType::I32, 4},
    {Region::Reward, DType::F32, 4},
    {Region::Terminated, DType::U8, 1},
    {Region::Truncated, DType::U8, 1},
    {Region::LevelSeed, DType::U32, 4},
    {Region::PrevLevelComplete, DType::U8, 1},
    {Region::EpisodeReturn, DType::F32, 4},
    {Region::EpisodeLength, DType::I32, 4},
    {Region::Done, DType::U8, 1},
    {Region::PrevLevelSeed, DType::U32, 4},
    {Region::FinalObs, DType::U8, 1},
};

}  // namespace

std::string_view region_name(Region r) {
  switch (r) {
    case Region::Obs: return "obs";
    case Region::Actions: return "actions";
    case Region::EnvIds: return "env_ids";
    case Region::Reward: return "reward";
    case Region::Terminated: return "terminated";
    case Region::Truncated: return "truncated";
    case Region::LevelSeed: return "level_seed";
    case Region::PrevLevelComplete: return "prev_complete";  // fits the 16-byte name field
    case Region::EpisodeReturn: return "episode_return";
    case Region::EpisodeLength: return "episode_length";
    case Region::Done: return "done";
    case Region::PrevLevelSeed: return "prev_level_seed";
    case Region::FinalObs: return "final_obs";
    case Region::Count: break;
  }
  return "?";
}

ShmLayout ShmLayout::compute(uint32_t num_envs, uint32_t ring_depth, uint32_t obs_c) {
  if (num_envs == 0 || ring_depth == 0 || ring_depth > kMaxRingDepth || (obs_c != 1 && obs_c != 3)) {
    throw std::invalid_argument("bad shm layout parameters");
  }
  ShmLayout l;
  l.num_envs = num_envs;
  l.ring_depth = ring_depth;
  l.obs_c = obs_c;
  size_t off = 0;
  for (const RegionSpec& s : kSpecs) {
    RegionEntry& e = l.regions[static_cast<size_t>(s.id)];
    std::memset(&e, 0, sizeof(e));
    const std::string_view name = region_name(s.id);
    std::memcpy(e.name, name.data(), name.size());
    e.dtype = static_cast<uint32_t>(s.dtype);
    const bool frames = s.id == Region::Obs || s.id == Region::FinalObs;
    const size_t row = frames ? size_t{kObsSide} * kObsSide * obs_c : s.elem_bytes;
    e.env_stride = static_cast<uint32_t>(row);
    off = align_up(off, kRegionAlign);
    e.offset = off;
    e.bytes = row * num_envs;
    off += e.bytes;
  }
  l.slot_bytes = align_up(off, kPageBytes);
  l.total_bytes = kShmHeaderBytes + l.slot_bytes * ring_depth;
  return l;
}

BatchView ShmLayout::batch_view(uint8_t* slots_base, uint32_t slot) const {
  BatchView v;
  v.obs = region_ptr<uint8_t>(slots_base, slot, Region::Obs);
  v.obs_env_stride = region(Region::Obs).env_stride;
  v.reward = region_ptr<float>(slots_base, slot, Region::Reward);
  v.terminated = region_ptr<uint8_t>(slots_base, slot, Region::Terminated);
  v.truncated = region_ptr<uint8_t>(slots_base, slot, Region::Truncated);
  v.level_seed = region_ptr<uint32_t>(slots_base, slot, Region::LevelSeed);
  v.prev_level_complete = region_ptr<uint8_t>(slots_base, slot, Region::PrevLevelComplete);
  v.episode_return = region_ptr<float>(slots_base, slot, Region::EpisodeReturn);
  v.episode_length = region_ptr<int32_t>(slots_base, slot, Region::EpisodeLength);
  v.done = region_ptr<uint8_t>(slots_base, slot, Region::Done);
  v.prev_level_seed = region_ptr<uint32_t>(slots_base, slot, Region::PrevLevelSeed);
  v.final_obs = region_ptr<uint8_t>(slots_base, slot, Region::FinalObs);
  return v;
}

void ShmLayout::write_header(void* dst, uint64_t session_id, uint32_t engine_pid,
                             uint32_t n_actions) const {
  ShmHeader h;
  std::memset(&h, 0, sizeof(h));
  std::memcpy(h.magic, kShmMagic, sizeof(kShmMagic));
  h.layout_version = kLayoutVersion;
  h.header_bytes = static_cast<uint32_t>(kShmHeaderBytes);
  h.total_bytes = total_bytes;
  h.session_id = session_id;
  h.engine_pid = engine_pid;
  h.num_envs = num_envs;
  h.ring_depth = ring_depth;
  h.obs_h = kObsSide;
  h.obs_w = kObsSide;
  h.obs_c = obs_c;
  h.n_actions = n_actions;
  h.state = static_cast<uint32_t>(ShmState::Running);
  h.num_regions = static_cast<uint32_t>(kNumRegions);
  h.slots_offset = kShmHeaderBytes;
  h.slot_bytes = slot_bytes;
  for (size_t i = 0; i < kNumRegions; ++i) h.regions[i] = regions[i];
  std::memcpy(dst, &h, sizeof(h));
}

}  // namespace coinrun
