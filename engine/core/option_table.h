#pragma once
// The one table of pool options (docs/rules.md §8-§9, §7.13): name, type, range, doc and the
// PoolOptions member of each. It drives parsing (options.cpp), the valid names in error
// messages, the option schema of the hello reply, the resolved options of the create reply,
// and the options a saved env state records (env_state.cpp). Defaults are PoolOptions'
// member initialisers, read through the table, so they too are written once.
//
// Adding an option: a member in PoolOptions and one row in option_table.cpp.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "options.h"

namespace coinrun {

enum class OptionType : uint8_t { Bool, Int, Float, String };
std::string_view option_type_name(OptionType t);  // "bool", "int", "float", "string"

// How a saved env state records an option that decides how the env continues (a state only
// continues bit-exactly in an env with the same values; docs/state.md). The header lists
// them in `state_order`, each in this encoding.
enum class StateField : uint8_t { None, Bool8, Int32, Int64, Choice8 };

struct OptionSpec {
  std::string_view name;
  OptionType type;
  std::string_view doc;  // one line, sent in the hello reply's schema
  // Int and Float: the valid range, inclusive. `zero_also` admits 0 outside it (0 = "the
  // game's own value").
  double min = 0, max = 0;
  bool zero_also = false;
  // String: the valid values (empty: any value the option's own check accepts, e.g. game).
  std::span<const std::string_view> choices;
  // The value as the wire carries it (bool, int64_t, double, string).
  OptionValue (*get)(const PoolOptions& o) = nullptr;
  // Stores an already type- and range-checked value.
  void (*set)(PoolOptions& o, const OptionValue& v) = nullptr;
  StateField state_field = StateField::None;
  int state_order = -1;  // position in a saved state's header, -1 when not recorded
  // The recorded value when it is not simply `get` (e.g. normalised where it has no effect).
  int64_t (*recorded_value)(const PoolOptions& o) = nullptr;
};

// Every option, in the order of the schema and of error messages.
std::span<const OptionSpec> option_table();
// nullptr when there is no such option.
const OptionSpec* find_option(std::string_view name);

// Checks `v` against the option's type, range and choices and stores it in `o`; throws
// OptionError naming the option.
void apply_option(const OptionSpec& spec, const OptionValue& v, PoolOptions& o);

// The options as an env continues them: paint_vel_info resolved for the game, set_seed -1
// where it has no effect (unlimited levels). What the create reply reports and what a saved
// state records.
PoolOptions effective_options(const PoolOptions& o);

// The options a saved state records, in state order, as integers (a bool as 0/1, a choice as
// its index); and their names and printed values for a mismatch message.
std::span<const OptionSpec* const> state_options();
int64_t state_value(const OptionSpec& spec, const PoolOptions& effective);
std::string state_value_text(const OptionSpec& spec, int64_t value);

}  // namespace coinrun
