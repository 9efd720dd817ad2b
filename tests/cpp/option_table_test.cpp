// The option table (core/option_table.h) is the one definition of the pool options: parsing,
// the schema, the create reply and the saved state's header all read it.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/option_table.h"

namespace coinrun {
namespace {

TEST(OptionTable, NamesAreUniqueAndEveryDefaultIsValid) {
  std::set<std::string_view> names;
  const PoolOptions defaults;
  for (const OptionSpec& spec : option_table()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    // The default, read through the table, parses back to itself.
    const PoolOptions parsed = parse_pool_options({{std::string(spec.name), spec.get(defaults)}});
    EXPECT_EQ(spec.get(parsed), spec.get(defaults)) << spec.name;
  }
  EXPECT_EQ(option_names().size(), option_table().size());
}

TEST(OptionTable, RangesAreEnforcedByTheTable) {
  for (const OptionSpec& spec : option_table()) {
    if (spec.type != OptionType::Int) continue;
    const auto above = static_cast<int64_t>(spec.max) + 1;
    EXPECT_THROW(parse_pool_options({{std::string(spec.name), above}}), OptionError) << spec.name;
    const auto below = static_cast<int64_t>(spec.min) - 1;
    if (!(spec.zero_also && below == 0)) {
      EXPECT_THROW(parse_pool_options({{std::string(spec.name), below}}), OptionError) << spec.name;
    }
  }
  EXPECT_EQ(parse_pool_options({{"max_episode_steps", int64_t{0}}}).max_episode_steps, 0);
  EXPECT_EQ(parse_pool_options({{"autoreset_mode", std::string("NEXT_STEP")}}).autoreset,
            AutoresetMode::NextStep);
}

TEST(OptionTable, TheSavedStateRecordsSevenOptionsInItsFormatOrder) {
  // docs/state.md, format version 1: this order is part of the byte layout.
  std::vector<std::string_view> names;
  for (const OptionSpec* spec : state_options()) names.push_back(spec->name);
  const std::vector<std::string_view> v1 = {"high_difficulty", "num_levels", "set_seed", "paint_vel_info",
                                            "use_data_augmentation", "use_black_white", "autoreset_mode"};
  EXPECT_EQ(names, v1);
}

}  // namespace
}  // namespace coinrun
