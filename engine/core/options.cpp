#include "options.h"

#include "game_registry.h"
#include "option_table.h"

namespace coinrun {

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const OptionSpec& s : option_table()) names.emplace_back(s.name);
    return names;
  }();
  return kNames;
}

PoolOptions parse_pool_options(const OptionMap& values, PoolOptions o) {
  for (const auto& [key, v] : values) {
    const OptionSpec* spec = find_option(key);
    if (!spec) {
      std::string valid;
      for (const auto& n : option_names()) valid += (valid.empty() ? "" : ", ") + n;
      throw OptionError("unknown option '" + key + "'; valid options are: " + valid);
    }
    apply_option(*spec, v, o);
  }
  validate(o);
  return o;
}

void validate(const PoolOptions& o) {
  if (!find_game(o.game)) {
    std::string valid;
    for (const Game* g : all_games()) {
      valid += (valid.empty() ? "" : ", ") + std::string(g->info().name);
    }
    throw OptionError("unknown game '" + o.game + "'; valid games are: " + valid);
  }
  // Options set in code (not parsed) meet the same types and ranges.
  PoolOptions checked = o;
  for (const OptionSpec& spec : option_table()) apply_option(spec, spec.get(o), checked);
  // As in Procgen, start_level is ignored with unlimited levels (num_levels = 0).
  if (o.start_level != 0 && o.num_levels > 0 && o.set_seed != -1) {
    throw OptionError(
        "option 'start_level' cannot be combined with set_seed: start_level offsets the level "
        "seeds 0..num_levels-1, set_seed draws them from a seeded table");
  }
}

bool resolve_paint_vel_info(const PoolOptions& o) {
  if (o.paint_vel_info >= 0) return o.paint_vel_info == 1;
  const Game* g = find_game(o.game);
  return g && g->info().paint_vel_info_default;
}

}  // namespace coinrun
