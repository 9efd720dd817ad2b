#include "level_sampler.h"

namespace coinrun {

std::shared_ptr<const std::vector<uint32_t>> make_level_table(int num_levels, int64_t set_seed) {
  auto table = std::make_shared<std::vector<uint32_t>>();
  if (num_levels > 0 && set_seed != -1) {
    Rng r(static_cast<uint32_t>(set_seed));
    table->reserve(static_cast<size_t>(num_levels));
    for (int i = 0; i < num_levels; ++i) table->push_back(r.raw());
  }
  return table;
}

uint32_t LevelSampler::next() {
  if (num_levels_ <= 0) return rng_.raw();
  const int i = rng_.randint(0, num_levels_);
  if (table_ && !table_->empty()) return (*table_)[static_cast<size_t>(i)];
  return start_level_ + static_cast<uint32_t>(i);
}

}  // namespace coinrun
