#!/usr/bin/env bash
# The main job of today's yuma: build it and run a subnet's Yuma Consensus
# over ten epochs (examples/subnet.json), printed as tables.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target yuma >/dev/null
exec build/yuma sim examples/subnet.json --table "$@"
