#include "key_map.h"

#include "core/game.h"

namespace coinrun::viewer {

int action_for_keys(const ArrowKeys& keys) {
  constexpr int kDownAction = 6;  // §10.9: down wins over any horizontal key
  if (keys.down) return kDownAction;
  const int dx = (keys.right ? 1 : 0) - (keys.left ? 1 : 0);
  const int dy = keys.up ? 1 : 0;
  // The action table is the one source of truth; look the pair up rather than repeat it.
  for (int a = 0; a < kNumActions; ++a) {
    if (kActionDx[a] == dx && kActionDy[a] == dy) return a;
  }
  return 0;  // unreachable: every (dx, dy) with dy >= 0 is in the table
}

}  // namespace coinrun::viewer
