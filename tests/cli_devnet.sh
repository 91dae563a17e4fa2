#!/usr/bin/env bash
# The README's main job: `yuma devnet` starts a node, builds a subnet with
# two validators and four miners of different quality through real
# transactions, and runs epochs. After the validators' first scores are in,
# the miners' incentive must follow their quality and the validators must
# earn dividends.
# Usage: cli_devnet.sh <path-to-yuma> <source-dir>
set -u
yuma=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else echo "FAILED: $1"; failed=$((failed + 1)); fi; }

out=$(timeout 120 "$yuma" devnet --dir "$dir/net" --epochs 14 --block-ms 30 2>&1)
status=$?
check "devnet exits 0 (got $status)" '[ $status = 0 ]'
last=$(echo "$out" | awk '/^subnet 1, epoch/ { table = "" } { table = table $0 "\n" } END { printf "%s", table }')
inc() { echo "$last" | awk -v uid="$1" '$1 == uid { print $(NF-2) }'; }
div() { echo "$last" | awk -v uid="$1" '$1 == uid { print $(NF-1) }'; }
m0=$(inc 3); m1=$(inc 4); m2=$(inc 5); m3=$(inc 6); v1=$(div 1); v2=$(div 2)
check "miners are paid by quality ($m0 > $m1 > $m2 > $m3)" \
  "awk -v a=$m0 -v b=$m1 -v c=$m2 -v d=$m3 'BEGIN { exit !(a > b && b > c && c > d && d >= 0) }'"
check "validators earn dividends ($v1, $v2)" "awk -v a=$v1 -v b=$v2 'BEGIN { exit !(a > 0 && b > 0) }'"
check "the chain was persisted" '[ -s "$dir/net/yuma.db" ]'
check "a node of the devnet verifies" '"$(dirname "$yuma")/yumad" --data "$dir/net" --verify >/dev/null'

# The devnet's history as events, read back from a node on its data.
port=$((20000 + RANDOM % 20000))
"$(dirname "$yuma")/yumad" --data "$dir/net" --rpc-port $port --block-ms 3600000 >"$dir/yumad.log" 2>&1 &
node=$!
for _ in $(seq 50); do "$yuma" block --rpc "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
events=$("$yuma" events --from 1 --json --rpc "http://127.0.0.1:$port/" 2>&1)
count() { echo "$events" | grep -c "\"kind\":\"$1\"" ; }
check "events: one subnet registered ($(count register_network))" '[ "$(count register_network)" = 1 ]'
check "events: six neurons registered ($(count burned_register))" '[ "$(count burned_register)" = 6 ]'
check "events: weights were set ($(count set_weights))" '[ "$(count set_weights)" -gt 0 ]'
check "events: 14 epochs or more ran ($(count epoch))" '[ "$(count epoch)" -ge 14 ]'
check "events: a readable line per event" '"$yuma" events --from 1 --netuid 1 --rpc "http://127.0.0.1:$port/" | grep -q "epoch .*netuid 1"'
check "events: a bad flag is refused" '! "$yuma" events --from 0 --rpc "http://127.0.0.1:$port/" 2>/dev/null'
kill $node; wait $node 2>/dev/null
[ $failed = 0 ] || echo "$out" | tail -n 20
echo "$passed passed, $failed failed"
[ $failed = 0 ]
