#include "debug_commands.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "core/env.h"
#include "core/game_registry.h"

namespace coinrun {
namespace {

struct DebugArgs {
  std::string game = "standard";
  uint32_t seed = 0;
  bool seed_given = false;
  bool high_difficulty = false;
  std::string actions;
};

[[noreturn]] void usage_error(const std::string& msg) {
  std::string games;
  for (const Game* g : all_games()) {
    if (!games.empty()) games += ',';
    games += g->info().name;
  }
  std::cerr << "coinrun-engine: " << msg << "\n"
            << "usage: coinrun-engine level --game {" << games << "} --seed S [--high-difficulty]\n"
            << "       coinrun-engine trace --game {" << games
            << "} --seed S [--high-difficulty] --actions DIGITS\n";
  std::exit(2);
}

uint32_t parse_seed(const std::string& s) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < INT32_MIN || v > static_cast<long long>(UINT32_MAX)) {
    usage_error("--seed must be an integer in [-2^31, 2^32), got '" + s + "'");
  }
  return static_cast<uint32_t>(v);  // negative seeds reinterpret as two's complement (§0.2)
}

DebugArgs parse(int argc, char** argv, bool want_actions) {
  DebugArgs a;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--game") {
      a.game = value();
    } else if (arg == "--seed") {
      a.seed = parse_seed(value());
      a.seed_given = true;
    } else if (arg == "--high-difficulty") {
      a.high_difficulty = true;
    } else if (want_actions && arg == "--actions") {
      a.actions = value();
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  if (!find_game(a.game)) usage_error("unknown game '" + a.game + "'");
  if (!a.seed_given) usage_error("--seed is required");
  for (char c : a.actions) {
    if (c < '0' || c > '6') usage_error(std::string("action '") + c + "' is not a digit 0..6");
  }
  return a;
}

const char* monster_kind_name(MonsterKind k) {
  switch (k) {
    case MonsterKind::Saw: return "saw";
    case MonsterKind::Walker: return "walker";
    case MonsterKind::Flyer: return "flyer";
  }
  return "?";
}

std::string json_float(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

int run_level_command(int argc, char** argv) {
  const DebugArgs a = parse(argc, argv, false);
  const Game& game = *find_game(a.game);
  auto state = std::make_unique<GameState>();
  game.generate(a.seed, a.high_difficulty, *state);
  const GameState& s = *state;
  std::ostringstream os;
  os << "{\"game\": \"" << a.game << "\", \"seed\": " << a.seed
     << ", \"difficulty\": " << s.difficulty << ", \"maze_size\": " << s.maze_size
     << ", \"spawn\": [" << s.spawn_x << ", " << s.spawn_y << "], \"coins\": " << s.coins_total
     << ", \"look\": " << int(s.cosmetics.agent_look)
     << ", \"ground\": " << int(s.cosmetics.ground_theme)
     << ", \"bg\": " << int(s.cosmetics.background) << ", \"monsters\": [";
  for (int i = 0; i < s.num_monsters; ++i) {
    const Monster& m = s.monsters[i];
    os << (i ? ", " : "") << "[" << json_float(m.x) << ", " << json_float(m.y) << ", \""
       << monster_kind_name(m.kind) << "\", " << int(m.look) << "]";
  }
  os << "], \"grid\": [";
  for (int y = kGridSize - 1; y >= 0; --y) {
    os << "\"";
    for (int x = 0; x < kGridSize; ++x) os << static_cast<char>(s.grid.get(x, y));
    os << "\"" << (y ? ", " : "");
  }
  os << "]}\n";
  std::cout << os.str();
  return 0;
}

int run_trace_command(int argc, char** argv) {
  const DebugArgs a = parse(argc, argv, true);
  PoolOptions opts;
  opts.game = a.game;
  opts.high_difficulty = a.high_difficulty;
  opts.num_levels = 0;
  Env env(*find_game(a.game), opts, make_level_table(0, -1), 0);
  env.start_episode(a.seed);
  std::ostringstream os;
  os << "{\"steps\": [";
  bool first = true;
  for (char c : a.actions) {
    const StepResult r = env.step(c - '0');
    const Agent& ag = env.state().agent;
    os << (first ? "" : ", ") << "[" << json_float(ag.x) << ", " << json_float(ag.y) << ", "
       << json_float(ag.vx) << ", " << json_float(ag.vy) << ", " << json_float(r.reward)
       << ", " << (r.done() ? 1 : 0) << "]";
    first = false;
    if (r.done()) break;
  }
  os << "]}\n";
  std::cout << os.str();
  return 0;
}

int run_games_command() {
  std::ostringstream os;
  os << "{\"games\": [";
  bool first = true;
  for (const Game* g : all_games()) {
    const GameInfo& gi = g->info();
    os << (first ? "" : ", ") << "{\"name\": \"" << gi.name << "\", \"title\": \"" << gi.title
       << "\", \"env_id\": \"" << gi.env_id << "\", \"engine_id\": " << gi.engine_id
       << ", \"max_episode_steps\": " << gi.max_age << "}";
    first = false;
  }
  os << "]}\n";
  std::cout << os.str();
  return 0;
}

}  // namespace coinrun
