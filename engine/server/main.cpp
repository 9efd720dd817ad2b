// coinrun-engine: hosts batches of environments for clients (serve), and the debugging
// commands `level` and `trace`.
#include <iostream>
#include <string>

#include "debug_commands.h"
#include "serve_command.h"

namespace {
void print_usage() {
  std::cout << "usage: coinrun-engine <command> [options]\n"
               "commands:\n"
               "  serve --bind ENDPOINT [--threads K] [--parent-pid PID]   run the server\n"
               "        [--allow-remote] [--log-level 0|1|2]\n"
               "  level --game G --seed S [--high-difficulty]              print a level as JSON\n"
               "  trace --game G --seed S [--high-difficulty] --actions DIGITS\n"
               "                                                           play actions, print JSON\n"
               "  games                                                    list the games as JSON\n"
               "  version                                                  print the version\n";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage();
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "serve") return coinrun::run_serve_command(argc - 2, argv + 2);
  if (cmd == "level") return coinrun::run_level_command(argc - 2, argv + 2);
  if (cmd == "trace") return coinrun::run_trace_command(argc - 2, argv + 2);
  if (cmd == "games") return coinrun::run_games_command();
  if (cmd == "version" || cmd == "--version") {
    std::cout << "coinrun-engine " << COINRUN_VERSION << "\n";
    return 0;
  }
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    print_usage();
    return 0;
  }
  std::cerr << "coinrun-engine: unknown command '" << cmd << "'\n";
  print_usage();
  return 2;
}
