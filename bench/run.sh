#!/usr/bin/env bash
# Runs every benchmark of docs/PERFORMANCE.md with the documented commands
# and prints one JSON line each. Build first (Release):
#   cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build
# Usage: bench/run.sh [epoch|chain|node|all]   (default all)
# YUMA_BIN=DIR takes yuma and yumad from DIR instead of build/ (to compare
# two builds back to back).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${YUMA_BIN:-build}
yuma=$bin/yuma
what=${1:-all}

epoch() {
  echo "# epoch: the issue's two sizes, then growth with n and with the number of weights"
  $yuma bench epoch --n 4096 --validators 256 --density 1 --seed 1 --repeat 20
  $yuma bench epoch --n 4096 --validators 256 --density 1 --seed 1 --repeat 20 --yuma3
  $yuma bench epoch --n 4096 --validators 256 --density 1 --seed 1 --repeat 10 --yuma3 --liquid-alpha
  $yuma bench epoch --n 65535 --validators 1024 --density 0.0625 --seed 1 --repeat 5
  for n in 1024 4096 16384 65535; do
    $yuma bench epoch --n $n --validators 256 --density $(awk -v n=$n 'BEGIN { d = 1024 / n; print (d > 1) ? 1 : d }') --seed 1 --repeat 10
  done
  for d in 0.125 0.25 0.5 1; do
    $yuma bench epoch --n 4096 --validators 256 --density $d --seed 1 --repeat 10
  done
}

chain() {
  echo "# chain: signed transfers (libsodium's verify rate measured in the same run is the ceiling)"
  $yuma bench chain --accounts 10000 --blocks 20 --txs-per-block 10000
  echo "# chain + store: blocks of 10,000 transfers applied and committed to SQLite (WAL, synchronous FULL)"
  $yuma bench chain --accounts 10000 --blocks 10 --txs-per-block 10000 --store "$(mktemp -u)"
  echo "# chain: blocks carrying the maximum number of epochs (128 subnets x 256 uids)"
  $yuma bench chain-epochs --subnets 128 --uids 256 --validators 63
}

node() {
  echo "# node: signed transfers over JSON-RPC to inclusion in persisted blocks (yumad --dev, 200 ms blocks)"
  echo "# (the ceiling: libsodium's verify rate on all cores, measured first in the same run; each"
  echo "# node figure is followed by its ratio to that rate. The client keeps 2 batches in flight.)"
  ceiling=$($yuma bench chain --accounts 1000 --blocks 4 --txs-per-block 10000)
  echo "$ceiling"
  v2=$(echo "$ceiling" | sed -n 's/.*"verify_2_threads_per_s":\([0-9]*\).*/\1/p')
  ratio() { echo "$1"; echo "$1" | sed -n 's/.*"end_to_end_per_s":\([0-9]*\).*/\1/p' |
    awk -v v="$v2" '{ if (v > 0) printf "# ratio to the 2-thread verify rate: %.2f\n", $1 / v }'; }
  dir=$(mktemp -d)
  $bin/yumad --data "$dir" --dev --rpc-port 9979 --block-ms 200 >"$dir/log" 2>&1 &
  pid=$!
  sleep 1
  echo "# the mempool's default capacity (8,192 pending): one burst that fits"
  ratio "$($yuma bench node --rpc http://127.0.0.1:9979/ --senders 256 --per-sender 32 --batch 1000)"
  kill $pid; wait $pid 2>/dev/null; rm -rf "$dir"
  mkdir -p "$dir"
  echo "# sustained: 65,536 transfers through a node whose mempool holds them all"
  $bin/yumad --data "$dir" --dev --rpc-port 9979 --block-ms 200 --mempool-capacity 65536 \
    --mempool-per-sender 256 >"$dir/log" 2>&1 &
  pid=$!
  sleep 1
  ratio "$($yuma bench node --rpc http://127.0.0.1:9979/ --senders 256 --per-sender 256 --batch 2000)"
  ratio "$($yuma bench node --rpc http://127.0.0.1:9979/ --senders 256 --per-sender 256 --batch 2000)"
  echo "# node: peak resident memory (kB), and CPU seconds used by yumad over both sustained runs"
  grep VmHWM /proc/$pid/status
  awk -v t="$(getconf CLK_TCK)" '{ printf "yumad user %.2f s, system %.2f s\n", $14 / t, $15 / t }' /proc/$pid/stat
  kill $pid; wait $pid 2>/dev/null; rm -rf "$dir"
}

case "$what" in
  epoch) epoch ;;
  chain) chain ;;
  node) node ;;
  all) epoch; chain; node ;;
  *) echo "usage: bench/run.sh [epoch|chain|node|all]" >&2; exit 2 ;;
esac
