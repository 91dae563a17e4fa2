#!/usr/bin/env bash
# bench/train.sh - the training subnet's figures of docs/PERFORMANCE.md
# ("Training the subnet's GPT"): T1 training throughput (16 sequences of
# 128 bytes per step) on 1 and 2 threads against the machine's peak FLOP
# rate measured in the same run, once per instruction set this CPU runs (all
# give the same bits), then optionally the centralized held-out loss of T1.
# Build first (Release):
#   cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --target yuma
# Usage: bench/train.sh [throughput|loss|all]   (default throughput)
#   loss: scripts/get-corpus.sh, then T1 for 600 steps of 64 x 128 bytes at
#         lr 4e-3 (the prototype's centralized setting): about 5 million
#         tokens, minutes on 2 idle cores
set -euo pipefail
cd "$(dirname "$0")/.."
yuma=${YUMA:-build/yuma}
what=${1:-throughput}

throughput() {
  echo "# T1 throughput, 16 x 128 bytes per step, 30 timed steps; the kernels' instruction set first by default, then forced"
  $yuma train bench --config T1 --batch 16 --steps 30 --threads 2
  for isa in avx512 avx2 generic; do
    YUMA_TRAIN_ISA=$isa $yuma train bench --config T1 --batch 16 --steps 30 --threads 2 --json
  done
}

loss() {
  scripts/get-corpus.sh
  echo "# T1 centralized: 600 steps x 64 x 128 bytes, lr 4e-3, seed 1"
  $yuma train --config T1 --batch 64 --steps 600 --lr 4e-3 --seed 1 --eval-every 50 --threads 2
}

case "$what" in
  throughput) throughput ;;
  loss) loss ;;
  all) throughput; loss ;;
  *) echo "usage: bench/train.sh [throughput|loss|all]" >&2; exit 2 ;;
esac
