// EnvPool validates every batch in one place (EnvPool::check_batch): the server's BAD_ACTION
// details come from the ActionError it throws, and a refused batch steps no env.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/env_pool.h"

namespace coinrun {
namespace {

// Rows for `n` results; the pool writes observations and info columns here.
struct Rows {
  explicit Rows(int n, size_t obs_bytes)
      : obs(static_cast<size_t>(n) * obs_bytes), reward(n), terminated(n), truncated(n), level_seed(n),
        prev_level_complete(n), episode_return(n), episode_length(n), obs_bytes(obs_bytes) {}
  BatchView view() {
    return {obs.data(), obs_bytes, reward.data(), terminated.data(), truncated.data(), level_seed.data(),
            prev_level_complete.data(), episode_return.data(), episode_length.data()};
  }
  std::vector<uint8_t> obs;
  std::vector<float> reward;
  std::vector<uint8_t> terminated, truncated;
  std::vector<uint32_t> level_seed;
  std::vector<uint8_t> prev_level_complete;
  std::vector<float> episode_return;
  std::vector<int32_t> episode_length;
  size_t obs_bytes;
};

PoolOptions four_envs() {
  PoolOptions o;
  o.num_envs = 4;
  o.num_threads = 1;
  return o;
}

ActionError refusal(EnvPool& pool, std::vector<int32_t> ids, std::vector<int32_t> actions) {
  Rows rows(static_cast<int>(ids.size()), pool.obs_bytes());
  try {
    pool.step_subset(ids, actions, rows.view());
  } catch (const ActionError& e) {
    return e;
  }
  ADD_FAILURE() << "the batch was not refused";
  return ActionError(BatchErrorKind::WrongCount, "", 0, 0, 0);
}

TEST(BatchCheck, SubsetRefusalsNameTheOffenderAndStepNothing) {
  EnvPool pool(four_envs());
  Rows all(4, pool.obs_bytes());
  pool.reset(all.view());

  const ActionError action = refusal(pool, {3, 1}, {0, 9});
  EXPECT_EQ(action.kind(), BatchErrorKind::BadAction);
  EXPECT_EQ(action.env(), 1);  // the env id whose action is bad
  EXPECT_EQ(action.value(), 9);
  EXPECT_EQ(action.limit(), kNumActions);

  const ActionError range = refusal(pool, {0, 4}, {0, 0});
  EXPECT_EQ(range.kind(), BatchErrorKind::EnvIdOutOfRange);
  EXPECT_EQ(range.env(), 1);  // the position of the bad id
  EXPECT_EQ(range.value(), 4);
  EXPECT_EQ(range.limit(), 4);

  const ActionError twice = refusal(pool, {2, 0, 2}, {1, 1, 1});
  EXPECT_EQ(twice.kind(), BatchErrorKind::EnvIdRepeated);
  EXPECT_EQ(twice.env(), 2);
  EXPECT_EQ(twice.value(), 2);

  EXPECT_EQ(refusal(pool, {0, 1}, {1}).kind(), BatchErrorKind::WrongCount);
  for (int i = 0; i < pool.num_envs(); ++i) EXPECT_EQ(pool.env(i).state().age, 0) << "env " << i;
}

}  // namespace
}  // namespace coinrun
