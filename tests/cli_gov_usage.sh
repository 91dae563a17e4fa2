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

SRC=${2:?usage: bash tests/cli_gov_usage.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/cli_lib.sh"
RPC=(--rpc http://127.0.0.1:1/)
ADDR=5D4r5UurzhvZJ2SNpL72YrFirCgMqZKbafy2uG7MdddrXHnp

# refused WANT ARGS...: the lib's refused, with --rpc naming a closed port.
refused() {
    local want=$1
    shift
    refused_as "yuma $*" 2 "$want" "$@" "${RPC[@]}"
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
# the amount is in the escrowed stake's unit: alpha on the subnet, TAO for root stake
refused "--amount ALPHA is required, not missing" gov escrow 1 lock --validator "$ADDR"
refused "--amount ALPHA is required, not 1.5x" gov escrow 1 lock-amm --validator "$ADDR" --amount 1.5x
refused "--amount ALPHA is required, not missing" gov escrow 1 unlock --validator "$ADDR"
refused "--amount TAO is required, not missing" gov escrow 1 lock-tao --validator "$ADDR"
refused "--amount TAO is required, not 1.5x" gov escrow 1 unlock-tao --validator "$ADDR" --amount 1.5x
# a signed call without the signer's wallet is bad usage too (exit 2),
# before any key or node is read; so is a malformed --address
refused "yuma gov vote: --wallet NAME is required (the signer's key)" gov vote 1 aye
refused "yuma gov topup: --wallet NAME is required" gov topup 1 --amount 1
refused "yuma gov notices: --wallet NAME is required" gov notices
refused "yuma gov list: --wallet NAME is required" gov list --mine
refused "--address must be a yuma SS58 address, not xyz" gov notices --address xyz
refused "yuma gov guardian: --wallet NAME is required (the signer's key)" gov guardian approve --action 1

cli_summary
