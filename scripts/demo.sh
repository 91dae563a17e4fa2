#!/usr/bin/env bash
# The main job of today's yuma: build it and run a local network with a
# subnet at work (yuma devnet): a node, an owner, two validators scoring
# four miners of different quality, and a table per epoch. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target yuma yumad >/dev/null
exec build/yuma devnet "$@"
