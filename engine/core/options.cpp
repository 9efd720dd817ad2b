#include "options.h"

#include <cmath>
#include <sstream>

#include "game_registry.h"

namespace coinrun {
namespace {

std::string type_name(const OptionValue& v) {
  switch (v.index()) {
    case 0: return "bool";
    case 1: return "int";
    case 2: return "float";
    default: return "string";
  }
}

[[noreturn]] void bad_type(const std::string& key, const OptionValue& v, const char* want) {
  throw OptionError("option '" + key + "' must be " + want + ", got " + type_name(v));
}

int64_t as_int(const std::string& key, const OptionValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::floor(*d) == *d && std::fabs(*d) < 9e15) return static_cast<int64_t>(*d);
  }
  bad_type(key, v, "an integer");
}

bool as_bool(const std::string& key, const OptionValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (*i == 0 || *i == 1) return *i == 1;
  }
  bad_type(key, v, "a bool (or 0/1)");
}

double as_double(const std::string& key, const OptionValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  bad_type(key, v, "a number");
}

void check_range(const std::string& key, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    std::ostringstream os;
    os << "option '" << key << "' = " << v << " is out of range [" << lo << ", " << hi << "]";
    throw OptionError(os.str());
  }
}

}  // namespace

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> kNames = {
      "game",           "num_envs",         "num_levels",          "set_seed",
      "high_difficulty", "paint_vel_info",  "use_data_augmentation", "use_black_white",
      "is_high_res",    "default_zoom",     "seed",                "num_threads",
      "autoreset_mode", "start_level",     "use_sequential_levels", "max_episode_steps",
      "use_backgrounds", "restrict_themes", "use_monochrome_assets", "center_agent"};
  return kNames;
}

PoolOptions parse_pool_options(const OptionMap& values, PoolOptions o) {
  for (const auto& [key, v] : values) {
    if (key == "game") {
      const auto* s = std::get_if<std::string>(&v);
      if (!s) bad_type(key, v, "a string");
      o.game = *s;
    } else if (key == "num_envs") {
      int64_t n = as_int(key, v);
      check_range(key, n, 1, kMaxEnvs);
      o.num_envs = static_cast<int>(n);
    } else if (key == "num_levels") {
      int64_t n = as_int(key, v);
      check_range(key, n, 0, INT32_MAX);
      o.num_levels = static_cast<int>(n);
    } else if (key == "set_seed") {
      int64_t n = as_int(key, v);
      check_range(key, n, INT32_MIN, UINT32_MAX);
      o.set_seed = n;
    } else if (key == "high_difficulty") {
      o.high_difficulty = as_bool(key, v);
    } else if (key == "paint_vel_info") {
      int64_t n = as_int(key, v);
      check_range(key, n, -1, 1);
      o.paint_vel_info = static_cast<int>(n);
    } else if (key == "use_data_augmentation") {
      o.use_data_augmentation = as_bool(key, v);
    } else if (key == "use_black_white") {
      o.use_black_white = as_bool(key, v);
    } else if (key == "is_high_res") {
      o.is_high_res = as_bool(key, v);
    } else if (key == "default_zoom") {
      double z = as_double(key, v);
      if (!(z >= 0.5 && z <= 64.0)) {
        throw OptionError("option 'default_zoom' = " + std::to_string(z) +
                          " is out of range [0.5, 64]");
      }
      o.default_zoom = z;
    } else if (key == "seed") {
      int64_t n = as_int(key, v);
      check_range(key, n, INT32_MIN, UINT32_MAX);
      o.seed = static_cast<uint32_t>(n);
    } else if (key == "num_threads") {
      int64_t n = as_int(key, v);
      check_range(key, n, 0, kMaxThreads);
      o.num_threads = static_cast<int>(n);
    } else if (key == "autoreset_mode") {
      const auto* s = std::get_if<std::string>(&v);
      if (!s) bad_type(key, v, "a string ('same_step' or 'next_step')");
      if (*s == "same_step" || *s == "SAME_STEP") {
        o.autoreset = AutoresetMode::SameStep;
      } else if (*s == "next_step" || *s == "NEXT_STEP") {
        o.autoreset = AutoresetMode::NextStep;
      } else {
        throw OptionError("option 'autoreset_mode' = '" + *s +
                          "' is not one of 'same_step', 'next_step'");
      }
    } else if (key == "start_level") {
      int64_t n = as_int(key, v);
      check_range(key, n, 0, UINT32_MAX);
      o.start_level = n;
    } else if (key == "use_sequential_levels") {
      o.use_sequential_levels = as_bool(key, v);
    } else if (key == "max_episode_steps") {
      int64_t n = as_int(key, v);
      // Done is reported one step after the event (§5.1), so 2 is the shortest episode.
      if (n != 0) check_range(key, n, 2, INT32_MAX);
      o.max_episode_steps = static_cast<int>(n);
    } else if (key == "use_backgrounds") {
      o.use_backgrounds = as_bool(key, v);
    } else if (key == "restrict_themes") {
      o.restrict_themes = as_bool(key, v);
    } else if (key == "use_monochrome_assets") {
      o.use_monochrome_assets = as_bool(key, v);
    } else if (key == "center_agent") {
      o.center_agent = as_bool(key, v);
    } else {
      std::string valid;
      for (const auto& n : option_names()) valid += (valid.empty() ? "" : ", ") + n;
      throw OptionError("unknown option '" + key + "'; valid options are: " + valid);
    }
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
  check_range("num_envs", o.num_envs, 1, kMaxEnvs);
  check_range("num_levels", o.num_levels, 0, INT32_MAX);
  check_range("num_threads", o.num_threads, 0, kMaxThreads);
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
