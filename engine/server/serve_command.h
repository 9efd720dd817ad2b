#pragma once
// `coinrun-engine serve --bind ENDPOINT [--threads K] [--parent-pid PID] [--allow-remote]
// [--log-level L]`: runs the server until shutdown, SIGTERM/SIGINT, or the parent's death.

namespace coinrun {

int run_serve_command(int argc, char** argv);

}  // namespace coinrun
