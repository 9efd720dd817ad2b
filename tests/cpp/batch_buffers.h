#pragma once
// Heap-backed result rows for tests: what a ring slot in shared memory is in the engine.
#include <cstdint>
#include <vector>

#include "core/batch_view.h"

namespace coinrun::testing {

struct BatchBuffers {
  std::vector<uint8_t> obs;
  std::vector<float> reward, episode_return;
  std::vector<uint8_t> terminated, truncated, prev_level_complete;
  std::vector<uint32_t> level_seed;
  std::vector<int32_t> episode_length;
  size_t obs_bytes;

  BatchBuffers(int n, size_t obs_bytes_per_env)
      : obs(static_cast<size_t>(n) * obs_bytes_per_env),
        reward(n), episode_return(n), terminated(n), truncated(n), prev_level_complete(n),
        level_seed(n), episode_length(n), obs_bytes(obs_bytes_per_env) {}

  BatchView view() {
    return BatchView{obs.data(),        obs_bytes,          reward.data(),
                     terminated.data(), truncated.data(),   level_seed.data(),
                     prev_level_complete.data(), episode_return.data(), episode_length.data()};
  }
  const uint8_t* frame(int i) const { return obs.data() + static_cast<size_t>(i) * obs_bytes; }
};

// FNV-1a over a byte range: a compact fingerprint for comparing runs.
inline uint64_t fnv1a(const uint8_t* p, size_t n, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace coinrun::testing
