#pragma once
// Non-owning views of one batch of results: row i belongs to env i. They point at a ring
// slot in shared memory in the engine, and at plain vectors in tests, tools and the viewer.
#include <cstddef>
#include <cstdint>

namespace coinrun {

struct BatchView {
  uint8_t* obs = nullptr;       // [N][64][64][C] uint8
  size_t obs_env_stride = 0;    // bytes from env i to env i+1
  float* reward = nullptr;      // [N]
  uint8_t* terminated = nullptr;
  uint8_t* truncated = nullptr;
  // Info columns.
  uint32_t* level_seed = nullptr;           // seed of the level now being played
  uint8_t* prev_level_complete = nullptr;   // on a done step: was the finished level solved
  float* episode_return = nullptr;          // on a done step: return of the finished episode
  int32_t* episode_length = nullptr;        // on a done step: its length, done step included
  // Written for the client, so that it computes nothing per step (docs/protocol.md).
  uint8_t* done = nullptr;                  // terminated | truncated
  uint32_t* prev_level_seed = nullptr;      // seed of the level played before this request
  // Optional, [N][64][64][C]: on a SAME_STEP done step, the finished episode's last frame.
  uint8_t* final_obs = nullptr;
};

// The columns (all but obs) of a row whose env did not step: just reset, restored from a
// state, or shown again as it was. Nothing happened, and `level_seed` is both the level now
// played and the one before. The one definition of such a row; absent columns are skipped.
inline void write_unstepped_columns(const BatchView& out, size_t row, uint32_t level_seed) {
  if (out.reward) out.reward[row] = 0;
  if (out.terminated) out.terminated[row] = 0;
  if (out.truncated) out.truncated[row] = 0;
  if (out.done) out.done[row] = 0;
  if (out.level_seed) out.level_seed[row] = level_seed;
  if (out.prev_level_seed) out.prev_level_seed[row] = level_seed;
  if (out.prev_level_complete) out.prev_level_complete[row] = 0;
  if (out.episode_return) out.episode_return[row] = 0;
  if (out.episode_length) out.episode_length[row] = 0;
}

}  // namespace coinrun
