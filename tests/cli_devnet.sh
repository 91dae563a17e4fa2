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
[ $failed = 0 ] || echo "$out" | tail -n 20
echo "$passed passed, $failed failed"
[ $failed = 0 ]
