// The shared-memory layout: alignment, offsets, and a header that agrees with the region
// table and with the batch views the engine writes through.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "server/shm_layout.h"
#include "server/shm_segment.h"

namespace coinrun {
namespace {

TEST(ShmLayout, RegionsAreAlignedDisjointAndInsideTheSlot) {
  for (uint32_t n : {1u, 3u, 16u, 257u}) {
    for (uint32_t c : {1u, 3u}) {
      const ShmLayout l = ShmLayout::compute(n, 2, c);
      EXPECT_EQ(l.slot_bytes % kPageBytes, 0u);
      EXPECT_EQ(l.total_bytes, kShmHeaderBytes + 2 * l.slot_bytes);
      const RegionEntry& obs = l.region(Region::Obs);
      EXPECT_EQ(obs.offset, 0u) << "frames start the slot, page aligned";
      EXPECT_EQ(obs.env_stride, 64u * 64u * c);
      uint64_t end = 0;
      for (size_t r = 0; r < kNumRegions; ++r) {
        const RegionEntry& e = l.regions[r];
        EXPECT_EQ(e.offset % kRegionAlign, 0u) << e.name;
        EXPECT_GE(e.offset, end) << e.name << " overlaps the previous region";
        EXPECT_EQ(e.bytes, uint64_t{e.env_stride} * n) << e.name;
        end = e.offset + e.bytes;
      }
      EXPECT_LE(end, l.slot_bytes);
    }
  }
}

TEST(ShmLayout, RgbFramesAreWholePages) {
  const ShmLayout l = ShmLayout::compute(4, 2, 3);
  EXPECT_EQ(l.region(Region::Obs).env_stride % kPageBytes, 0u);
}

TEST(ShmLayout, HeaderAgreesWithTable) {
  const ShmLayout l = ShmLayout::compute(5, 3, 3);
  std::vector<uint8_t> buf(kShmHeaderBytes, 0xAB);
  l.write_header(buf.data(), 0x1234567890ULL, 4242, 7);
  ShmHeader h;
  std::memcpy(&h, buf.data(), sizeof(h));
  EXPECT_EQ(std::memcmp(h.magic, "COINRUN\0", 8), 0);
  EXPECT_EQ(h.layout_version, kLayoutVersion);
  EXPECT_EQ(h.header_bytes, kShmHeaderBytes);
  EXPECT_EQ(h.total_bytes, l.total_bytes);
  EXPECT_EQ(h.session_id, 0x1234567890ULL);
  EXPECT_EQ(h.engine_pid, 4242u);
  EXPECT_EQ(h.num_envs, 5u);
  EXPECT_EQ(h.ring_depth, 3u);
  EXPECT_EQ(h.obs_h, 64u);
  EXPECT_EQ(h.obs_c, 3u);
  EXPECT_EQ(h.n_actions, 7u);
  EXPECT_EQ(h.state, static_cast<uint32_t>(ShmState::Running));
  EXPECT_EQ(h.num_regions, kNumRegions);
  EXPECT_EQ(h.slots_offset, kShmHeaderBytes);
  EXPECT_EQ(h.slot_bytes, l.slot_bytes);
  for (size_t r = 0; r < kNumRegions; ++r) {
    EXPECT_EQ(std::string(h.regions[r].name), region_name(static_cast<Region>(r)));
    EXPECT_LT(std::string(h.regions[r].name).size(), sizeof(h.regions[r].name));
    EXPECT_EQ(h.regions[r].offset, l.regions[r].offset);
  }
  // slot_seq starts at kSlotSeqOffset and is untouched by write_header
  EXPECT_EQ(buf[kSlotSeqOffset], 0xAB);
}

TEST(ShmLayout, BatchViewPointsAtTheRegionsOfItsSlot) {
  const ShmLayout l = ShmLayout::compute(3, 2, 3);
  std::vector<uint8_t> slots(2 * l.slot_bytes);
  uint8_t* base = slots.data();
  const BatchView v = l.batch_view(base, 1);
  EXPECT_EQ(v.obs, base + l.slot_bytes + l.region(Region::Obs).offset);
  EXPECT_EQ(reinterpret_cast<uint8_t*>(v.reward), base + l.slot_bytes + l.region(Region::Reward).offset);
  EXPECT_EQ(reinterpret_cast<uint8_t*>(v.episode_length),
            base + l.slot_bytes + l.region(Region::EpisodeLength).offset);
  EXPECT_EQ(v.obs_env_stride, 64u * 64u * 3u);
}

TEST(ShmLayout, RejectsBadParameters) {
  EXPECT_THROW(ShmLayout::compute(0, 2, 3), std::invalid_argument);
  EXPECT_THROW(ShmLayout::compute(1, 0, 3), std::invalid_argument);
  EXPECT_THROW(ShmLayout::compute(1, kMaxRingDepth + 1, 3), std::invalid_argument);
  EXPECT_THROW(ShmLayout::compute(1, 2, 2), std::invalid_argument);
}

TEST(ShmSegment, CreatesExclusiveZeroedAndUnlinks) {
  const std::string name = "/coinrun.test." + std::to_string(::getpid());
  {
    ShmSegment seg(name, 3 * kPageBytes);
    EXPECT_EQ(seg.size(), 3 * kPageBytes);
    EXPECT_EQ(seg.data()[0], 0);
    EXPECT_EQ(seg.data()[3 * kPageBytes - 1], 0);
    EXPECT_THROW(ShmSegment(name, kPageBytes), ShmError) << "must be created exclusively";
    struct stat st {};
    ASSERT_EQ(::stat(("/dev/shm" + name).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  struct stat st {};
  EXPECT_NE(::stat(("/dev/shm" + name).c_str(), &st), 0) << "destructor must unlink";
}

}  // namespace
}  // namespace coinrun
