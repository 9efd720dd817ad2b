#include "base/rng.h"

#include <gtest/gtest.h>

namespace coinrun {

// docs/rules.md §0.2 reference outputs.
TEST(Rng, ReferenceOutputsSeed0) {
  Rng r(0);
  EXPECT_EQ(r.raw(), 2357136044u);
  EXPECT_EQ(r.raw(), 2546248239u);
  EXPECT_EQ(r.raw(), 3071714933u);
}

TEST(Rng, ReferenceOutputsSeed13) {
  Rng r(13);
  EXPECT_EQ(static_cast<int32_t>(r.raw()), -954760878);
  EXPECT_EQ(static_cast<int32_t>(r.raw()), -1686456144);
  EXPECT_EQ(static_cast<int32_t>(r.raw()), 1020231754);
}

TEST(Rng, DerivedDrawsFollowTheRawOutputs) {
  Rng a(0), b(0);
  EXPECT_EQ(a.randn(10), static_cast<int>(b.raw() % 10));
  EXPECT_EQ(a.randint(3, 8), static_cast<int>(3 + b.raw() % 5));
  EXPECT_FLOAT_EQ(a.rand01(), static_cast<float>(b.raw() / 4294967296.0));
}

TEST(Rng, NegativeSeedIsTwosComplement) {
  Rng a(static_cast<uint32_t>(-1)), b(4294967295u);
  EXPECT_EQ(a.raw(), b.raw());
}

}  // namespace coinrun
