#!/usr/bin/env bash
# yumad's settings: a JSON configuration file and flags with one name per
# setting (--rpc-port = "rpc_port"); flags override the file; anything
# unknown or malformed stops the daemon with exit 2 and a message naming
# it, before it touches the data directory.
# Usage: cli_yumad_config.sh <path-to-yuma> <source-dir>
set -u
SRC=${2:?usage: bash tests/cli_yumad_config.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/node_lib.sh"

refuses() { # name, expected message, args...
  local name=$1 want=$2; shift 2
  out=$("$yumad" "$@" 2>&1); st=$?
  check "$name: exit 2 (got $st)" '[ $st = 2 ]'
  check "$name: says '$want' (got: $(echo "$out" | head -1))" 'echo "$out" | grep -qF -- "$want"'
}

printf '{"data": "%s/a", "rpc_prot": 1}' "$dir" >"$dir/typo.json"
refuses "unknown key" "unknown setting 'rpc_prot'" --config "$dir/typo.json"
printf '{"data": "%s/a", "rpc_port": 70000}' "$dir" >"$dir/port.json"
refuses "port out of range" "rpc_port must be 0..65535, not '70000'" --config "$dir/port.json"
printf '{"data": "%s/a", "block_ms": -5}' "$dir" >"$dir/neg.json"
refuses "negative number" '"block_ms" must be a string, a non-negative integer or a boolean' --config "$dir/neg.json"
printf '{"data": "%s/a", "dev": "yes"}' "$dir" >"$dir/bool.json"
refuses "not a boolean" "dev must be true or false, not 'yes'" --config "$dir/bool.json"
printf '[1, 2]' >"$dir/array.json"
refuses "not an object" "must be a JSON object of settings" --config "$dir/array.json"
printf '{"data": "x", "data": "y"}' >"$dir/dup.json"
refuses "duplicate key" "duplicate object key" --config "$dir/dup.json"
printf '{"data": ' >"$dir/cut.json"
refuses "truncated file" "config $dir/cut.json" --config "$dir/cut.json"
refuses "missing file" "config $dir/none.json" --config "$dir/none.json"
refuses "mempool too large" "mempool_capacity must be 1..1000000, not '2000000'" --data "$dir/a" --mempool-capacity 2000000
refuses "unknown flag" "unknown option '--rpc-prot'" --data "$dir/a" --rpc-prot 1
refuses "flag without value" "--block-ms needs a value" --data "$dir/a" --block-ms
refuses "bad author" "author must be a yuma (SS58 prefix 42) address" --data "$dir/a" --author nobody
refuses "no data dir" "--data DIR is required" --dev
check "nothing was created by refused starts" '[ ! -e "$dir/a" ]'

# A valid file starts the node; a flag overrides the file's port.
file_port=$((20000 + RANDOM % 20000)); flag_port=$((file_port + 1))
printf '{"data": "%s/node", "dev": true, "rpc_port": %d, "block_ms": 50, "max_block_txs": 500}' "$dir" $file_port >"$dir/ok.json"
start_node "$dir/log" --config "$dir/ok.json" --rpc-port $flag_port
check "the node serves on the flag's port" '"$yuma" block --rpc "http://127.0.0.1:$flag_port/" >/dev/null 2>&1'
check "not on the file's port" '! "$yuma" block --rpc "http://127.0.0.1:$file_port/" >/dev/null 2>&1'
check "the data dir comes from the file" '[ -s "$dir/node/yuma.db" ]'
stop_node

# A genesis file that leaves the fees out: chain_genesis serves the
# parameters the chain took, defaults included, so clients sign right fees.
printf '{"chain_id": 5, "params": {"network_rate_limit": 3}, "balances": []}' >"$dir/genesis.json"
start_node "$dir/glog" --data "$dir/g" --genesis "$dir/genesis.json" --rpc-port 0 --block-ms 1000
gen=$(curl -s -d '{"jsonrpc":"2.0","method":"chain_genesis","id":1}' "$url")
check "chain_genesis has the default min_fee ($gen)" 'echo "$gen" | grep -q "\"min_fee\": *100000"'
check "and the file's own parameter" 'echo "$gen" | grep -q "\"network_rate_limit\": *3"'
stop_node
node_summary
