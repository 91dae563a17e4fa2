#!/usr/bin/env bash
# cli_gov_usage.sh - the governance commands added last (delegation per
# track, escrow of root stake and the AMM exit choice) refuse malformed
# command lines before they read a wallet or reach a node: exit status 2,
# the problem and the refused value on stderr's first line, nothing on
# stdout. (The calls themselves are tested in tests/test_gov_proposal.c;
# the Covenant replay runs the rest of `yuma gov` against a node.)
#
# usage: bash tests/cli_gov_usage.sh PATH/TO/yuma SOURCE_DIR
set -u

YUMA=${1:?usage: cli_gov_usage.sh PATH/TO/yuma SOURCE_DIR}
YUMA=$(cd "$(dirname "$YUMA")" && pwd)/$(basename "$YUMA")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export HOME=$TMP
unset YUMA_PASSWORD
cd "$TMP" || exit 1
RPC=(--rpc http://127.0.0.1:1/)
ADDR=5D4r5UurzhvZJ2SNpL72YrFirCgMqZKbafy2uG7MdddrXHnp

pass=0
fail=0
refused() {
    local want=$1
    shift
    "$YUMA" "$@" "${RPC[@]}" >out 2>err </dev/null
    local rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "FAIL: yuma $*: exit status $rc, want 2 ($(head -n 1 err))"
        fail=$((fail + 1))
    elif [ -s out ]; then
        echo "FAIL: yuma $*: wrote to stdout"
        fail=$((fail + 1))
    elif ! head -n 1 err | grep -qF -- "$want"; then
        echo "FAIL: yuma $*: stderr '$(head -n 1 err)' lacks '$want'"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

refused "yuma gov delegate: the track is targeted or global, not missing" gov delegate
refused "the track is targeted or global, not sideways" gov delegate sideways --to "$ADDR"
refused "--to SS58 (the delegate's coldkey), not missing" gov delegate targeted
refused "--to SS58 (the delegate's coldkey), not xyz" gov delegate targeted --to xyz
refused "--conviction must be 0..5, not 9" gov delegate global --to "$ADDR" --conviction 9
refused "yuma gov undelegate: the track is targeted or global, not missing" gov undelegate
refused "--validator SS58 (the hotkey your stake is on), not missing" gov escrow 1 lock-tao
refused "the proposal id (1, 2, ...) comes first, not x" gov escrow x lock-tao
refused "lock, lock-amm, unlock, lock-tao or unlock-tao, not lock-foo" gov escrow 1 lock-foo --amount 1

echo "cli_gov_usage: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
