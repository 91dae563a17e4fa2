#!/usr/bin/env bash
# The SDK's example subnet (examples/subnet) end to end against a real
# yumad: `yuma devnet setup` registers the subnet and its neurons with the
# development keys; three miner processes serve axons of different accuracy
# (one with its hotkey from a wallet file, one never started); a validator
# process queries them through its dendrite, scores them and sets weights
# by a real transaction; after the next epochs the miners' incentive
# follows their accuracy and the silent miner earns nothing. Also: bad
# options and an unregistered hotkey are refused with a message, and
# SIGINT stops a miner cleanly.
# Usage: cli_subnet_example.sh <path-to-yuma> <source-dir>
set -u
SRC=${2:?usage: bash tests/cli_subnet_example.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/node_lib.sh"
bin=$(dirname "$yuma")
miner="$bin/yuma-subnet-miner"
validator="$bin/yuma-subnet-validator"
pids=()
on_exit() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}

# Options are checked before anything else.
out=$("$miner" --dev-key miner-0-hotkey 2>&1); status=$?
check "a miner without --netuid exits 2 ($status: $out)" '[ $status = 2 ] && echo "$out" | grep -q -- "--netuid N is required"'
out=$("$validator" --netuid 1 --dev-key bob-hotkey --every 0 2>&1); status=$?
check "a bad --every is refused ($out)" '[ $status = 2 ] && echo "$out" | grep -q "from 1 to"'
out=$("$miner" --netuid 1 --bogus x 2>&1); status=$?
check "an unknown option is refused ($out)" '[ $status = 2 ] && echo "$out" | grep -q "unknown option --bogus"'

start_node "$dir/yumad.log" --dev --data "$dir/node" --rpc-port 0 --block-ms 50
rpc=$url
check "yumad started ($port)" '[ -n "$port" ]'

setup=$("$yuma" devnet setup --rpc "$rpc" 2>&1); status=$?
check "devnet setup registers the subnet ($setup)" '[ $status = 0 ] && echo "$setup" | grep -q "^subnet 1:"'

out=$("$yuma" devnet epoch --rpc "$rpc" 2>&1); status=$?
check "devnet epoch without --netuid shows its usage ($status)" '[ $status = 2 ] && echo "$out" | grep -q "usage: yuma devnet"'
out=$("$yuma" devnet epoch --rpc "$rpc" --netuid 0 2>&1); status=$?
check "devnet epoch refuses netuid 0 ($out)" '[ $status = 2 ] && echo "$out" | grep -q "netuid must be 1..65534"'
out=$("$yuma" devnet epoch --rpc "$rpc" --netuid 9 2>&1); status=$?
check "devnet epoch on a missing subnet fails with the chain's reason ($out)" '[ $status = 1 ] && echo "$out" | grep -q "failed"'
out=$("$yuma" devnet setup --rpc http://127.0.0.1:1/ 2>&1); status=$?
check "devnet setup without a node says so ($out)" '[ $status = 1 ] && echo "$out" | grep -q "cannot connect"'

out=$("$miner" --rpc "$rpc" --netuid 1 --dev-key not-registered 2>&1); status=$?
check "an unregistered hotkey is refused ($out)" '[ $status = 1 ] && echo "$out" | grep -q "is not registered on subnet 1"'

# One miner's hotkey comes from a wallet file (plaintext hotkey, as on a server).
"$yuma" wallet dev --wallet example --hotkey miner-2-hotkey --plaintext --wallet-path "$dir/wallets" >/dev/null
"$miner" --rpc "$rpc" --netuid 1 --dev-key miner-0-hotkey --accuracy 100 --seed 1 >"$dir/miner-0.log" 2>&1 &
m0=$!; pids+=($m0)
"$miner" --rpc "$rpc" --netuid 1 --dev-key miner-1-hotkey --accuracy 50 --seed 2 >"$dir/miner-1.log" 2>&1 &
m1=$!; pids+=($m1)
"$miner" --rpc "$rpc" --netuid 1 --wallet example --hotkey miner-2-hotkey --wallet-path "$dir/wallets" \
  --accuracy 0 --seed 3 >"$dir/miner-2.log" 2>&1 &
m2=$!; pids+=($m2)
# miner 3 is registered but never serves.

# Validator permits come with an epoch.
"$yuma" devnet epoch --rpc "$rpc" --netuid 1 >/dev/null 2>&1
# The validator sets weights once, then exits.
timeout 90 "$validator" --rpc "$rpc" --netuid 1 --dev-key bob-hotkey --every 2 --challenges 4 --rounds 1 \
  >"$dir/validator.log" 2>&1
status=$?
check "the validator set weights and exited ($status)" '[ $status = 0 ] && grep -q "weights set in block" "$dir/validator.log"'
for m in 0 1 2; do
  check "miner $m published its axon" 'grep -q "serving on 127.0.0.2:" "$dir/miner-$m.log"'
done

for _ in 1 2 3; do "$yuma" devnet epoch --rpc "$rpc" --netuid 1 >/dev/null 2>&1; done
table=$("$yuma" metagraph --netuid 1 --rpc "$rpc" 2>&1)
# Columns: uid hotkey stake cons incent divs vtrust permit; miners are uids 3..6.
inc() { echo "$table" | awk -v uid="$1" '$1 == uid { print $5 }'; }
i0=$(inc 3); i1=$(inc 4); i2=$(inc 5); i3=$(inc 6)
check "incentive follows accuracy ($i0 > $i1 > $i2)" \
  "awk -v a=${i0:-0} -v b=${i1:-0} -v c=${i2:--1} 'BEGIN { exit !(a > b && b > c && c >= 0) }'"
check "the 0% miner and the silent miner earn nothing ($i2, $i3)" \
  "awk -v c=${i2:--1} -v d=${i3:--1} 'BEGIN { exit !(c == 0 && d == 0) }'"

# Ctrl-C stops a miner cleanly.
kill -INT $m0
for _ in $(seq 100); do kill -0 $m0 2>/dev/null || break; sleep 0.05; done
wait $m0; status=$?
check "SIGINT stops a miner with status 0 ($status)" '[ $status = 0 ] && grep -q "stopped" "$dir/miner-0.log"'

if [ $failed != 0 ] || [ -n "${VERBOSE:-}" ]; then
  echo "--- validator"; tail -n 5 "$dir/validator.log"
  echo "--- metagraph"; echo "$table"
fi
node_summary
