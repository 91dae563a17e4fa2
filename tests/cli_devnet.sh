#!/usr/bin/env bash
# The README's main job: `yuma devnet` starts a node, builds a subnet with
# two validators and four miners of different quality through real
# transactions, and runs epochs. After the validators' first scores are in,
# the miners' incentive must follow their quality and the validators must
# earn dividends.
# Usage: cli_devnet.sh <path-to-yuma> <source-dir>
set -u
SRC=${2:?usage: bash tests/cli_devnet.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/node_lib.sh"

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
check "a node of the devnet verifies" '"$yumad" --data "$dir/net" --verify >/dev/null'

# The devnet's history as events, read back from a node on its data.
start_node "$dir/yumad.log" --data "$dir/net" --rpc-port 0 --block-ms 3600000
events=$("$yuma" events --from 1 --json --rpc "$url" 2>&1)
count() { echo "$events" | grep -c "\"kind\":\"$1\"" ; }
check "events: one subnet registered ($(count register_network))" '[ "$(count register_network)" = 1 ]'
check "events: six neurons registered ($(count burned_register))" '[ "$(count burned_register)" = 6 ]'
check "events: weights were set ($(count set_weights))" '[ "$(count set_weights)" -gt 0 ]'
check "events: 14 epochs or more ran ($(count epoch))" '[ "$(count epoch)" -ge 14 ]'
check "events: a readable line per event" '"$yuma" events --from 1 --netuid 1 --rpc "$url" | grep -q "epoch .*netuid 1"'
check "events: a bad flag is refused" '! "$yuma" events --from 0 --rpc "$url" 2>/dev/null'
stop_node
[ $failed = 0 ] || echo "$out" | tail -n 20
node_summary
