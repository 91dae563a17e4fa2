#!/usr/bin/env bash
# Cluster mode's figures (docs/PERFORMANCE.md, "Cluster mode"), in one run
# on this machine:
#  1. signed-transfer throughput, submission to inclusion in persisted
#     blocks (`yuma bench node`), through a single node (yumad --dev) and
#     through a three-node cluster with three etcd members (`yuma cluster
#     up 3`), both with 200 ms blocks; the cluster measured twice, sending
#     to a follower (forwarded to the producer) and to the producer;
#  2. the failover gap: the producer is killed (SIGKILL) five times under a
#     light load; for each kill, the longest time without a new block in
#     the 6 s after it, from a 50 ms poll of every node's head.
# Build first (Release): cmake -B build && cmake --build build
# Usage: bench/cluster.sh [build-dir]   (default build; base port $YUMA_BENCH_PORT or 27000)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
yuma=$build/yuma
base=${YUMA_BENCH_PORT:-27000}
tmp=$(mktemp -d)
single=
trap '[ -n "$single" ] && kill $single 2>/dev/null; $yuma cluster down --dir "$tmp/c" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
load="--senders 256 --per-sender 32 --batch 1000"

echo "# single node: yumad --dev, 200 ms blocks"
$build/yumad --data "$tmp/single" --dev --rpc-port $((base + 40)) --block-ms 200 >"$tmp/single.log" 2>&1 &
single=$!
sleep 1
$yuma bench node --rpc "http://127.0.0.1:$((base + 40))/" $load
kill $single; wait $single 2>/dev/null || true; single=

echo "# cluster: 3 etcd members, 3 nodes, 200 ms blocks"
$yuma cluster up 3 --dir "$tmp/c" --base-port $base --interval-ms 200 >/dev/null
sleep 2
producer=$($yuma cluster status --dir "$tmp/c" | awk '$3 == "producer" { sub("node-", "", $1); print $1; exit }')
follower=$((producer % 3 + 1))
echo "# through a follower (node-$follower, forwarded to the producer)"
$yuma bench node --rpc "http://127.0.0.1:$((base + 10 + follower))/" $load
echo "# through the producer (node-$producer)"
$yuma bench node --rpc "http://127.0.0.1:$((base + 10 + producer))/" $load

echo "# failover: the producer killed 5 times under a light load"
$yuma cluster load --dir "$tmp/c" --seconds 40 --senders 16 --timeline "$tmp/timeline" >"$tmp/load.json" &
loadpid=$!
sleep 3
: >"$tmp/kills"
for round in 1 2 3 4 5; do
  p=$($yuma cluster status --dir "$tmp/c" | awk '$3 == "producer" { print $1; exit }')
  echo "$(date +%s%3N) $p" >>"$tmp/kills"
  kill -9 "$(cat "$tmp/c/$p.pid")"
  sleep 4
  $yuma cluster up 3 --dir "$tmp/c" >/dev/null
  sleep 3
done
wait $loadpid || true
# Each kill's window ends 6 s later (the next kill comes after 7 s or more).
while read -r t who; do
  awk -v k="$t" -v who="$who" '$1 <= k { p = $1; next } $1 <= k + 6000 { if ($1 - p > g) g = $1 - p; p = $1 }
      END { printf "{\"killed\":\"%s\",\"gap_ms\":%d}\n", who, g }' "$tmp/timeline"
done <"$tmp/kills"
cat "$tmp/load.json"
