// A test-only game, listed only in test builds (COINRUN_TEST_GAMES, engine/games/registry.cpp).
// It proves that a new game is one file plus one registry line: the engine, the protocol,
// the state codec, the Python ids and the generic tests pick it up from the registry.
// The rules: the agent walks a corridor to a coin whose distance comes from the level seed.
#include "games/games.h"
#include "games/platformer_common.h"

namespace coinrun {
namespace {

constexpr int kCorridorRow = 1;
constexpr int kSpawnX = 1;
constexpr int kMaxCoinDistance = 8;
constexpr float kCoinReward = 10.0f;
constexpr int kTimeLimit = 100;  // ticks

void fill_cells(FrameView f, int x0, int y0, int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  for (int y = y0; y < y0 + h && y < f.height; ++y) {
    for (int x = x0; x < x0 + w && x < f.width; ++x) {
      uint8_t* p = f.pixel(x, y);
      p[0] = r;
      p[1] = g;
      p[2] = b;
    }
  }
}

class ToyCorridorGame final : public Game {
 public:
  const GameInfo& info() const override { return info_; }

  void generate(uint32_t seed, bool, GameState& s) const override {
    reset_level_fields(s, seed);
    s.grid.fill(Tile::Empty);
    s.grid.set(kSpawnX + 1 + static_cast<int>(seed % kMaxCoinDistance), kCorridorRow, Tile::Coin);
    s.coins_total = s.coins_needed = 1;
    s.spawn_x = kSpawnX;
    s.spawn_y = kCorridorRow;
    place_agent_at_spawn(s);
  }

  void step(GameState& s, int action) const override {
    const int dx = action >= 0 && action < kNumActions ? kActionDx[action] : 0;
    const int x = static_cast<int>(s.agent.x) + dx;
    if (x >= 0 && x < kGridSize) s.agent.x = static_cast<float>(x);
    if (s.grid.get(x, kCorridorRow) == Tile::Coin) {
      s.grid.set(x, kCorridorRow, Tile::Empty);
      s.coins_needed = 0;
      s.pending_reward += kCoinReward;
      s.level_over = s.level_complete = true;
    }
  }

  void draw(const GameState& s, FrameView f, const SceneStyle&) const override {
    // One cell per tile of the corridor's first 16 columns, the whole frame high.
    const int cell = f.width / 16 > 0 ? f.width / 16 : 1;
    fill_cells(f, 0, 0, f.width, f.height, 40, 40, 60);
    for (int x = 0; x < 16; ++x) {
      if (s.grid.get(x, kCorridorRow) == Tile::Coin) fill_cells(f, x * cell, 0, cell, f.height, 230, 200, 40);
    }
    fill_cells(f, static_cast<int>(s.agent.x) * cell, 0, cell, f.height, 80, 160, 240);
  }

 private:
  GameInfo info_{"toy_corridor", "ToyCorridor", 9001, kTimeLimit, 5.0f, false, "coinrun/ToyCorridor-v0"};
};

}  // namespace

const Game& toy_corridor_game() {
  static const ToyCorridorGame g;
  return g;
}

}  // namespace coinrun
