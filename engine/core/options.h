#pragma once
// Typed options of a batch of envs, with the original's names and meanings (docs/rules.md
// §8-§9). Parsed from a key -> value map (msgpack on the wire, argv in the CLI); unknown keys,
// wrong types and out-of-range values become an OptionError whose message names them.
// Names, types, ranges and docs of the options are in one table, option_table.h.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace coinrun {

enum class AutoresetMode : uint8_t { SameStep = 0, NextStep = 1 };

struct PoolOptions {
  std::string game = "standard";
  int num_envs = 1;
  int num_levels = 0;      // 0 = unlimited (§3.2)
  int64_t set_seed = -1;   // -1: level seeds are 0..num_levels-1
  bool high_difficulty = false;
  int paint_vel_info = -1;  // -1 auto: on for standard only (§7.9)
  bool use_data_augmentation = false;
  bool use_black_white = false;
  bool is_high_res = false;
  double default_zoom = 5.0;  // the first episode's zoom (§7.2 maze quirk)
  uint32_t seed = 0;          // rand_seed: every env's level picker derives from it
  int num_threads = 0;        // 0 = auto (hardware concurrency)
  AutoresetMode autoreset = AutoresetMode::SameStep;
  // Procgen's knobs (docs/gymnasium.md). They change what is drawn or which level comes
  // next, never how a level is generated, so level seed k stays the original's level k.
  int64_t start_level = 0;             // with num_levels > 0: seeds start_level + [0, num_levels)
  bool use_sequential_levels = false;  // a solved level continues the episode on seed + 997
  int max_episode_steps = 0;           // 0: the game's limit (1002 steps, done one step late)
  bool use_backgrounds = true;         // false: black behind the scene
  bool restrict_themes = false;        // one look for agent, ground, monsters, background
  bool use_monochrome_assets = false;  // flat rectangles, one colour per object type
  bool center_agent = true;            // false: the whole 64 x 64 level in view

  int obs_channels() const { return use_black_white ? 1 : 3; }
};

class OptionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

using OptionValue = std::variant<bool, int64_t, double, std::string>;
using OptionMap = std::map<std::string, OptionValue>;

inline constexpr int kMaxEnvs = 65536;
inline constexpr int kMaxThreads = 256;

// Applies `values` over the defaults in `base`; throws OptionError naming the key and the
// valid values. Also checks that `game` is a registered game.
PoolOptions parse_pool_options(const OptionMap& values, PoolOptions base = {});
// Checks ranges and the game name; throws OptionError.
void validate(const PoolOptions& opts);

// Names of every option, for error messages and the engine's option schema.
const std::vector<std::string>& option_names();

// paint_vel_info resolved for the chosen game.
bool resolve_paint_vel_info(const PoolOptions& opts);

}  // namespace coinrun
