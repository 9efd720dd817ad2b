#!/usr/bin/env bash
# Sets up everything the project needs, doing only what is missing:
#   1. Debian/Ubuntu packages (installed with apt when run as root, else the exact apt line
#      is printed and set-up stops);
#   2. a Python virtual environment in .venv with the Python dependencies;
#   3. the CMake build in build/ (engine, viewer, tests, tools);
#   4. the client package (pyclient/) and train/ on the venv's path, running against build/;
#   5. the commands coinrun-engine, coinrun-viewer and coinrun in .venv/bin.
# Usage: scripts/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
BUILD_DIR=${BUILD_DIR:-build}

APT_PACKAGES=(g++ cmake make pkg-config libgtest-dev libgmock-dev libzmq3-dev cppzmq-dev
              libmsgpack-cxx-dev qt6-base-dev libpng-dev python3-venv xvfb libjemalloc2)
# Torch is pinned: a CPU build of 2.13.0 lies on disk on these machines; other versions
# download gigabytes.
# stable-baselines3 and moviepy are test dependencies (an SB3 client; gymnasium's RecordVideo);
# stable-baselines3 accepts the pinned torch and leaves it alone.
PY_PACKAGES=(numpy pyzmq msgpack "gymnasium>=1.0,<2" "torch==2.13.0" tyro tensorboard tqdm
             pytest pytest-timeout hypothesis ruff imageio matplotlib stable-baselines3 moviepy)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- 1. system packages -------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# --- 2. Python environment ----------------------------------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.coinrun-deps
want=$(printf '%s\n' "${PY_PACKAGES[@]}")
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  say "installing Python packages into .venv"
  .venv/bin/pip install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
  printf '%s\n' "${PY_PACKAGES[@]}" > "$stamp"
fi
# The client package and the training scripts run from the checkout; the client finds the
# engine in build/ relative to its source folder.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\n%s\n' "$ROOT/pyclient" "$ROOT/train" > "$site/coinrun-dev.pth"

# --- 3. C++ build ---------------------------------------------------------------------------
if [[ ${1:-} != --no-build ]]; then
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
    say "configuring CMake in $BUILD_DIR/"
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  say "building (engine, viewer, tests, tools)"
  if ! cmake --build "$BUILD_DIR" -j"$(nproc)" > "$BUILD_DIR/build.log" 2>&1; then
    grep -E 'error|Error' "$BUILD_DIR/build.log" | head -40 >&2
    echo "build failed; the full log is $BUILD_DIR/build.log" >&2
    exit 1
  fi
fi
# --- 5. the README's commands on the venv's PATH ----------------------------------------------
# coinrun-engine and coinrun-viewer are the built binaries; `coinrun` is the package's CLI
# (what `pip install .` installs as console scripts).
for b in coinrun-engine coinrun-viewer; do
  if [[ -x $BUILD_DIR/$b ]]; then ln -sf "$ROOT/$BUILD_DIR/$b" ".venv/bin/$b"; fi
done
printf '#!/bin/sh\nexec "%s/.venv/bin/python" -m coinrun "$@"\n' "$ROOT" > .venv/bin/coinrun
chmod +x .venv/bin/coinrun
say "ready"
