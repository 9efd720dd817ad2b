#pragma once
// The engine binary's debugging commands, used by tests and by users filing bugs:
//   coinrun-engine level --game G --seed S [--high-difficulty]
//   coinrun-engine trace --game G --seed S [--high-difficulty] --actions DIGITS
//   coinrun-engine games   (the registered games, as in the hello reply; clients register
//                           their gymnasium ids from it without starting a server)
// Each prints one JSON object on stdout; errors go to stderr with exit status 2.

namespace coinrun {

int run_level_command(int argc, char** argv);
int run_trace_command(int argc, char** argv);
int run_games_command();

}  // namespace coinrun
