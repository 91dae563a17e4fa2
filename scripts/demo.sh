#!/usr/bin/env bash
# The main job of yuma: build it and run a local network with the
# reference training subnet at work (yuma devnet --subnet train): a node,
# two validators and four miners (two honest, a lazy one, a noise one),
# each its own process, training a byte-level GPT on the King James Bible
# with compressed updates; a table per epoch shows the held-out loss and
# who earns what. Ctrl-C stops it. `scripts/demo.sh --subnet example`
# runs the simpler example subnet instead (docs/SDK.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target yuma yumad >/dev/null
if [ "${1:-}" = "--subnet" ] && [ "${2:-}" = "example" ]; then
  shift 2
  exec build/yuma devnet "$@"
fi
scripts/get-corpus.sh >/dev/null
exec build/yuma devnet --subnet train "$@"
