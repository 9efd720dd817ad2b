#pragma once
// Keyboard play mapping of docs/rules.md §10.9: arrow keys give dx (right - left) and dy
// (up - down); down pressed means action 6 whatever the horizontal keys; otherwise the
// action with that (dx, dy). Qt-free so that it can be unit-tested alone.
namespace coinrun::viewer {

struct ArrowKeys {
  bool left = false;
  bool right = false;
  bool up = false;
  bool down = false;
};

// The action index (docs/rules.md §5.2) for the arrow keys held now.
int action_for_keys(const ArrowKeys& keys);

}  // namespace coinrun::viewer
