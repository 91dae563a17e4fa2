#!/usr/bin/env bash
# Cluster mode end to end on loopback (docs/CLUSTER.md): three etcd members
# and three yumad nodes (`yuma cluster up`) under a steady load of signed
# transfers (`yuma cluster load`), while the producer is killed with SIGKILL
# three times (and restarted), an etcd member is stopped and restarted, and
# the producer is paused with SIGSTOP past its lease and resumed. Then:
# every node has the same blocks and state roots, etcd's blocks are the
# nodes' (one per height), every transfer reported included is in every
# node's chain at its height, and no transfer is left unresolved. The
# longest gap without blocks after each producer kill is printed.
# Then a fourth node starts from nothing after etcd has dropped the old
# blocks (retain 40) and catches up from etcd and its peers; a fifth node
# with a corrupted execution (YUMA_TEST_CORRUPT_AT_HEIGHT) raises the alarm
# (HTTP 503, yuma_cluster_diverged 1), refuses writes and persists nothing
# divergent. Finally every data directory verifies (yumad --verify).
# Usage: cli_cluster.sh <path-to-yuma> <source-dir>
set -u
yuma=$1
yumad=$(dirname "$yuma")/yumad
etcd=${YUMA_ETCD:-/usr/bin/etcd}
if [ ! -x "$etcd" ]; then
  echo "skipped: etcd is not installed at $etcd (apt-get install etcd-server; scripts/install-deps.sh does)"
  exit 0
fi
tmp=$(mktemp -d)
dir=$tmp/c
load_pid=
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  for p in "$dir"/node-*.pid; do [ -f "$p" ] && kill -CONT "$(cat "$p")" 2>/dev/null; done
  "$yuma" cluster down --dir "$dir" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$dir"/node-*.log; do echo "== $f"; tail -n 15 "$f"; done
  exit 1
}
ms() { date +%s%3N; }
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
health() { curl -s -m 2 "http://127.0.0.1:$((base + 10 + $1))/health"; }
height() { health "$1" | field height; }
producer() { # the producer's number, waiting up to 10 s for one (a handover may be under way)
  local p
  for _ in $(seq 1 50); do
    p=$("$yuma" cluster status --dir "$dir" | awk '$3 == "producer" { sub("node-", "", $1); print $1; exit }')
    [ -n "$p" ] && { echo "$p"; return; }
    sleep 0.2
  done
}
pid_of() { cat "$dir/$1.pid"; }

# ---- errors: each a clear message and a non-zero status ----
out=$("$yuma" cluster up 0 --dir "$dir" 2>&1); [ $? = 2 ] && [[ $out == *"must be 1..20"* ]] || fail "up 0: $out"
out=$("$yuma" cluster down --dir "$tmp/none" 2>&1); [ $? = 1 ] && [[ $out == *"no cluster in"* ]] || fail "down without a cluster: $out"
out=$("$yuma" cluster up 3 --dir "$dir" --base-port 80 2>&1); [ $? = 2 ] && [[ $out == *"--base-port must be"* ]] || fail "bad port: $out"
out=$("$yumad" --data "$tmp/x" --dev --cluster-name a 2>&1); [ $? = 2 ] && [[ $out == *"need --cluster"* ]] || fail "cluster_name alone: $out"
out=$("$yumad" --data "$tmp/x" --dev --rpc-port 0 --cluster ftp://x --cluster-name a 2>&1); [ $? = 1 ] && [[ $out == *"is not an http://HOST:PORT URL"* ]] || fail "bad endpoint: $out"
out=$("$yumad" --data "$tmp/x" --dev --rpc-port 0 --cluster http://127.0.0.1:9 --cluster-name 'a b' 2>&1); [ $? = 1 ] && [[ $out == *"needs a name"* ]] || fail "bad name: $out"
out=$("$yumad" --data "$tmp/x" --dev --rpc-port 0 --cluster http://127.0.0.1:9 --cluster-name a 2>&1); [ $? = 1 ] && [[ $out == *"cannot read the cluster's blocks from etcd"* ]] || fail "no etcd: $out"
out=$("$yumad" --data "$tmp/x" --dev --cluster http://127.0.0.1:9 --cluster-name a --cluster-lease-s 0 2>&1); [ $? = 2 ] && [[ $out == *"cluster_lease_s must be 1..60, not '0'"* ]] || fail "lease 0: $out"
out=$(YUMA_TEST_CORRUPT_AT_HEIGHT=x "$yumad" --data "$tmp/x" --dev 2>&1); [ $? = 2 ] && [[ $out == *"YUMA_TEST_CORRUPT_AT_HEIGHT must be a block height"* ]] || fail "bad fault hook: $out"

# ---- a cluster of three: free ports from a base the test picks ----
started=0
for try in 1 2 3 4 5; do
  base=$((20000 + (RANDOM % 240) * 50)) # below the ephemeral ports (32768 on)
  if "$yuma" cluster up 3 --dir "$dir" --base-port $base --interval-ms 200 --retain-blocks 40 >"$tmp/up.txt" 2>&1; then
    started=1; break
  fi
  grep -q "in use" "$tmp/up.txt" || break
  "$yuma" cluster down --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"
done
[ $started = 1 ] || fail "cluster up: $(cat "$tmp/up.txt")"
out=$("$yuma" cluster up 3 --dir "$dir" --base-port $((base + 50)) 2>&1); [ $? = 1 ] && [[ $out == *"was made with --base-port $base"* ]] || fail "up with another base port: $out"
r=$(curl -s -d '{"jsonrpc":"2.0","method":"chain_getBlock","params":{"height":1,"encoded":"yes"},"id":1}' "http://127.0.0.1:$((base + 11))/")
[[ $r == *'param \"encoded\": true or false'* ]] || fail "chain_getBlock with encoded \"yes\": $r"

# ---- load and faults ----
"$yuma" cluster load --dir "$dir" --seconds 24 --senders 32 --out "$tmp/txs" --timeline "$tmp/timeline" >"$tmp/load.json" 2>"$tmp/load.err" &
load_pid=$!
: >"$tmp/kills"
sleep 2
for round in 1 2 3; do
  p=$(producer); [ -n "$p" ] || fail "no producer before kill $round"
  echo "$(ms) node-$p" >>"$tmp/kills"
  kill -9 "$(pid_of node-$p)"
  sleep 2.5
  "$yuma" cluster up 3 --dir "$dir" >/dev/null 2>&1 || fail "restarting node-$p"
  sleep 1.5
done
kill -TERM "$(pid_of etcd-1)"
sleep 2.5
"$yuma" cluster up 3 --dir "$dir" >/dev/null 2>&1 || fail "restarting etcd-1"
sleep 1
p=$(producer); [ -n "$p" ] || fail "no producer before the pause"
kill -STOP "$(pid_of node-$p)"
sleep 4
kill -CONT "$(pid_of node-$p)"
wait "$load_pid"; load_status=$?; load_pid=
echo "[${SECONDS} s] load done"
cat "$tmp/load.json"
[ $load_status = 0 ] || fail "load: $(cat "$tmp/load.json" "$tmp/load.err")"
included=$(field included <"$tmp/load.json")
[ "${included:-0}" -ge 300 ] || fail "only ${included:-0} transfers included"

# ---- the longest gap without blocks after each producer kill ----
# (the longest interval between new heights from the kill to the next
# fault, counted from the last block before it: blocks the dead producer
# had already committed may still arrive just after)
longest=0
mapfile -t kills <"$tmp/kills"
for i in "${!kills[@]}"; do
  read -r t who <<<"${kills[$i]}"
  read -r until _ <<<"${kills[$((i + 1))]:-$((t + 4000)) x}"
  gap=$(awk -v k="$t" -v u="$until" '$1 <= k { p = $1; next } $1 <= u { if ($1 - p > g) g = $1 - p; p = $1 } END { print g + 0 }' "$tmp/timeline")
  [ "$gap" -gt 0 ] || fail "no block after killing $who"
  echo "producer $who killed: longest gap without blocks until the next fault: $gap ms"
  [ "$gap" -gt $longest ] && longest=$gap
done
echo "longest gap without blocks after a producer kill: $longest ms"
[ $longest -lt 8000 ] || fail "a new producer took ${longest} ms"

# ---- agreement ----
# Every node reaches the height the first had when the load ended (none is
# left behind), then all are compared up to the lowest head.
target=$(height 1)
for j in 2 3; do
  for _ in $(seq 1 100); do h=$(height $j); [ -n "$h" ] && [ "$h" -ge "$target" ] && break; sleep 0.1; done
  [ "${h:-0}" -ge "$target" ] || fail "node-$j is at ${h:-nothing}, behind $target"
done
echo "[${SECONDS} s] every node reached $target"
"$yuma" cluster check --dir "$dir" --txs "$tmp/txs" || fail "the nodes disagree"
echo "[${SECONDS} s] agreement checked"

# ---- a late node catches up from etcd and from its peers ----
head=$(height 1)
[ "$head" -gt 45 ] || fail "only $head blocks: etcd dropped none"
"$yuma" cluster up 4 --dir "$dir" >/dev/null 2>&1 || fail "starting node-4"
for _ in $(seq 1 150); do h4=$(height 4); [ -n "$h4" ] && [ "$h4" -ge "$head" ] && break; sleep 0.2; done
[ "${h4:-0}" -ge "$head" ] || fail "node-4 reached ${h4:-nothing}, not $head"
peer=$(curl -s "http://127.0.0.1:$((base + 14))/metrics" | awk '$1 == "yuma_cluster_peer_blocks_total" { print $2 }')
[ "${peer:-0}" -gt 0 ] || fail "node-4 fetched no block from its peers"
echo "[${SECONDS} s] node-4 caught up to $h4 ($peer blocks from peers, the rest from etcd)"
"$yuma" cluster check --dir "$dir" || fail "node-4 disagrees"

# ---- a node whose execution is corrupted raises the alarm and stops ----
at=$(( $(height 1) + 8 ))
"$yuma" cluster load --dir "$dir" --seconds 6 --senders 8 >/dev/null 2>&1 &
load_pid=$!
YUMA_TEST_CORRUPT_AT_HEIGHT=$at "$yuma" cluster up 5 --dir "$dir" >/dev/null 2>&1 || fail "starting node-5"
for _ in $(seq 1 150); do health 5 | grep -q '"diverged":true' && break; sleep 0.2; done
wait "$load_pid"; load_pid=
h=$(health 5)
[[ $h == *'"status":"diverged"'* && $h == *"\"alarm_height\":$at"* ]] || fail "node-5 raised no alarm at $at: $h"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((base + 15))/health")
[ "$code" = 503 ] || fail "node-5's /health answers $code, not 503"
curl -s "http://127.0.0.1:$((base + 15))/metrics" | grep -q '^yuma_cluster_diverged 1$' || fail "no yuma_cluster_diverged 1"
r=$(curl -s -d '{"jsonrpc":"2.0","method":"tx_submit","params":{"tx":"00"},"id":1}' "http://127.0.0.1:$((base + 15))/")
[[ $r == *"this node stopped at block $at"* ]] || fail "node-5 accepted a write: $r"
[ "$(height 5)" = $((at - 1)) ] || fail "node-5 persisted past block $((at - 1)): $(height 5)"
echo "[${SECONDS} s] node-5 (corrupted at $at): $(echo "$h" | sed -n 's/.*"alarm":"\([^"]*\)".*/\1/p')"
"$yuma" cluster check --dir "$dir" || fail "the nodes disagree after node-5's alarm"

# ---- every data directory verifies ----
"$yuma" cluster down --dir "$dir" >/dev/null || fail "cluster down"
for j in 1 2 3 4 5; do
  "$yumad" --data "$dir/node-$j" --verify >/dev/null 2>"$tmp/verify" || fail "node-$j: $(cat "$tmp/verify")"
done
if grep -l -E "runtime error|Sanitizer" "$dir"/node-*.log >/dev/null 2>&1; then
  fail "a sanitizer report in $(grep -l -E "runtime error|Sanitizer" "$dir"/node-*.log | tr '\n' ' ')"
fi
echo "all 5 data directories verify; cluster test passed in ${SECONDS} s"
