// The option table. Row order is the order of the schema and of "valid options are" lists;
// `state_order` is the order of a saved state's header and must never change for a format
// version (docs/state.md).
#include "option_table.h"

#include <array>
#include <cmath>
#include <sstream>
#include <type_traits>

#include "game_registry.h"

namespace coinrun {
namespace {

constexpr std::string_view kAutoresetChoices[] = {"same_step", "next_step"};

// A PoolOptions member read as, and written from, its wire type (bool, int64_t, double).
template <auto Member, typename Wire>
OptionValue get_as(const PoolOptions& o) {
  return static_cast<Wire>(o.*Member);
}
template <auto Member, typename Wire>
void set_from(PoolOptions& o, const OptionValue& v) {
  using T = std::remove_cvref_t<decltype(o.*Member)>;
  o.*Member = static_cast<T>(std::get<Wire>(v));
}

OptionValue get_game(const PoolOptions& o) { return o.game; }
void set_game(PoolOptions& o, const OptionValue& v) { o.game = std::get<std::string>(v); }
OptionValue get_autoreset(const PoolOptions& o) {
  return std::string(kAutoresetChoices[static_cast<size_t>(o.autoreset)]);
}
void set_autoreset(PoolOptions& o, const OptionValue& v) {
  o.autoreset = std::get<std::string>(v) == kAutoresetChoices[0] ? AutoresetMode::SameStep
                                                                 : AutoresetMode::NextStep;
}

template <auto Member>
constexpr OptionSpec bool_option(std::string_view name, std::string_view doc) {
  return {name, OptionType::Bool, doc, 0, 0, false, {}, &get_as<Member, bool>, &set_from<Member, bool>};
}
template <auto Member>
constexpr OptionSpec int_option(std::string_view name, double min, double max, std::string_view doc) {
  return {name, OptionType::Int, doc, min, max, false, {}, &get_as<Member, int64_t>, &set_from<Member, int64_t>};
}
constexpr OptionSpec recorded(OptionSpec s, StateField field, int order,
                              int64_t (*value)(const PoolOptions&) = nullptr) {
  s.state_field = field;
  s.state_order = order;
  s.recorded_value = value;
  return s;
}

// set_seed has no effect with unlimited levels: recorded as -1 there, so that such a state
// loads into any env with unlimited levels.
int64_t recorded_set_seed(const PoolOptions& o) { return o.num_levels > 0 ? o.set_seed : -1; }
constexpr OptionSpec or_zero(OptionSpec s) {
  s.zero_also = true;
  return s;
}

using P = PoolOptions;
constexpr double kInt32Min = INT32_MIN, kInt32Max = INT32_MAX, kUint32Max = UINT32_MAX;

// Ranges of docs/rules.md §8-§9 and §7.13; the seed ranges admit negative int32 seeds, which
// wrap to uint32 as in the original (§0.2). The docs go to clients in the hello reply, so
// they cite "rules §N" (docs/rules.md).
constexpr OptionSpec kOptions[] = {
    {"game", OptionType::String, "the game: one of the names in the hello reply's games", 0, 0,
     false, {}, &get_game, &set_game},
    int_option<&P::num_envs>("num_envs", 1, kMaxEnvs, "envs in the batch"),
    recorded(int_option<&P::num_levels>("num_levels", 0, kInt32Max,
                                        "size of the level set; 0 = unlimited (rules §3.2)"),
             StateField::Int32, 1),
    recorded(int_option<&P::set_seed>("set_seed", kInt32Min, kUint32Max,
                                      "-1: level seeds 0..num_levels-1; else they come from a table seeded with it"),
             StateField::Int64, 2, &recorded_set_seed),
    recorded(bool_option<&P::high_difficulty>("high_difficulty", "the harder level distribution (rules §4)"),
             StateField::Bool8, 0),
    recorded(int_option<&P::paint_vel_info>("paint_vel_info", -1, 1,
                                            "velocity squares in the corner; -1 = the game's default (rules §7.9)"),
             StateField::Bool8, 3),
    recorded(bool_option<&P::use_data_augmentation>("use_data_augmentation",
                                                    "random rectangles over each observation (rules §7.8)"),
             StateField::Bool8, 4),
    recorded(bool_option<&P::use_black_white>("use_black_white", "grayscale observations, one channel (rules §7.11)"),
             StateField::Bool8, 5),
    bool_option<&P::is_high_res>("is_high_res", "accepted for the original's API; observations stay 64 x 64"),
    {"default_zoom", OptionType::Float, "the camera zoom of each env's first episode (rules §7.2)", 0.5, 64,
     false, {}, &get_as<&P::default_zoom, double>,
     &set_from<&P::default_zoom, double>},
    int_option<&P::seed>("seed", kInt32Min, kUint32Max, "pool seed: every env's level picker derives from it"),
    int_option<&P::num_threads>("num_threads", 0, kMaxThreads, "worker threads; 0 = one per core"),
    recorded({"autoreset_mode", OptionType::String, "when a finished episode restarts (docs/protocol.md)", 0,
              0, false, kAutoresetChoices, &get_autoreset, &set_autoreset},
             StateField::Choice8, 6),
    int_option<&P::start_level>("start_level", 0, kUint32Max,
                                "with num_levels > 0: level seeds start_level + [0, num_levels)"),
    bool_option<&P::use_sequential_levels>("use_sequential_levels",
                                           "a solved level continues the episode on the next level"),
    or_zero(int_option<&P::max_episode_steps>("max_episode_steps", 2, kInt32Max,
                                              "episode length limit; 0 = the game's own (rules §6)")),
    bool_option<&P::use_backgrounds>("use_backgrounds", "false: black behind the scene (rules §7.13)"),
    bool_option<&P::restrict_themes>("restrict_themes", "one look for agent, ground, monsters, background"),
    bool_option<&P::use_monochrome_assets>("use_monochrome_assets", "flat rectangles, one colour per object type"),
    bool_option<&P::center_agent>("center_agent", "false: the whole level in view"),
};

std::string_view type_of(const OptionValue& v) {
  switch (v.index()) {
    case 0: return "bool";
    case 1: return "int";
    case 2: return "float";
    default: return "string";
  }
}

[[noreturn]] void bad_type(std::string_view key, const OptionValue& v, const std::string& want) {
  throw OptionError("option '" + std::string(key) + "' must be " + want + ", got " +
                    std::string(type_of(v)));
}

int64_t as_int(std::string_view key, const OptionValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::floor(*d) == *d && std::fabs(*d) < 9e15) return static_cast<int64_t>(*d);
  }
  bad_type(key, v, "an integer");
}

bool as_bool(std::string_view key, const OptionValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  if (const auto* i = std::get_if<int64_t>(&v)) {
    if (*i == 0 || *i == 1) return *i == 1;
  }
  bad_type(key, v, "a bool (or 0/1)");
}

double as_double(std::string_view key, const OptionValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  bad_type(key, v, "a number");
}

std::string number_text(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string quoted_list(std::span<const std::string_view> items, std::string_view sep) {
  std::string out;
  for (const auto& c : items) out += (out.empty() ? "'" : std::string(sep) + "'") + std::string(c) + "'";
  return out;
}

}  // namespace

std::string_view option_type_name(OptionType t) {
  switch (t) {
    case OptionType::Bool: return "bool";
    case OptionType::Int: return "int";
    case OptionType::Float: return "float";
    case OptionType::String: return "string";
  }
  return "string";
}

std::span<const OptionSpec> option_table() { return kOptions; }

const OptionSpec* find_option(std::string_view name) {
  for (const OptionSpec& s : kOptions) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

void apply_option(const OptionSpec& spec, const OptionValue& v, PoolOptions& o) {
  const std::string key(spec.name);
  switch (spec.type) {
    case OptionType::Bool:
      spec.set(o, as_bool(key, v));
      return;
    case OptionType::Int: {
      const int64_t n = as_int(key, v);
      const auto lo = static_cast<int64_t>(spec.min), hi = static_cast<int64_t>(spec.max);
      if ((n < lo || n > hi) && !(spec.zero_also && n == 0)) {
        throw OptionError("option '" + key + "' = " + std::to_string(n) + " is out of range [" +
                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
      }
      spec.set(o, n);
      return;
    }
    case OptionType::Float: {
      const double x = as_double(key, v);
      if (!(x >= spec.min && x <= spec.max)) {
        throw OptionError("option '" + key + "' = " + std::to_string(x) + " is out of range [" +
                          number_text(spec.min) + ", " + number_text(spec.max) + "]");
      }
      spec.set(o, x);
      return;
    }
    case OptionType::String: {
      const auto* s = std::get_if<std::string>(&v);
      if (!s) {
        bad_type(key, v, spec.choices.empty() ? "a string" : "a string (" + quoted_list(spec.choices, " or ") + ")");
      }
      if (spec.choices.empty()) {
        spec.set(o, *s);
        return;
      }
      // The original's constant names (SAME_STEP) are accepted as well.
      for (const auto& c : spec.choices) {
        if (*s == c || *s == upper(c)) {
          spec.set(o, std::string(c));
          return;
        }
      }
      throw OptionError("option '" + key + "' = '" + *s + "' is not one of " + quoted_list(spec.choices, ", "));
    }
  }
}

PoolOptions effective_options(const PoolOptions& o) {
  PoolOptions e = o;
  e.paint_vel_info = resolve_paint_vel_info(o) ? 1 : 0;
  return e;
}

std::span<const OptionSpec* const> state_options() {
  static const auto kRecorded = [] {
    constexpr size_t kCount = [] {
      size_t n = 0;
      for (const OptionSpec& s : kOptions) n += s.state_order >= 0 ? 1 : 0;
      return n;
    }();
    std::array<const OptionSpec*, kCount> out{};
    for (const OptionSpec& s : kOptions) {
      if (s.state_order >= 0) out[static_cast<size_t>(s.state_order)] = &s;
    }
    return out;
  }();
  return kRecorded;
}

int64_t state_value(const OptionSpec& spec, const PoolOptions& effective) {
  if (spec.recorded_value) return spec.recorded_value(effective);
  const OptionValue v = spec.get(effective);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  const auto& s = std::get<std::string>(v);
  for (size_t k = 0; k < spec.choices.size(); ++k) {
    if (spec.choices[k] == s) return static_cast<int64_t>(k);
  }
  return -1;
}

std::string state_value_text(const OptionSpec& spec, int64_t value) {
  switch (spec.state_field) {
    case StateField::Bool8: return value ? "true" : "false";
    case StateField::Choice8:
      if (value >= 0 && static_cast<size_t>(value) < spec.choices.size()) {
        return std::string(spec.choices[static_cast<size_t>(value)]);
      }
      return std::to_string(value);
    default: return std::to_string(value);
  }
}

}  // namespace coinrun
