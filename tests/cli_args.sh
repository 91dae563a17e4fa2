#!/usr/bin/env bash
# cli_args.sh - every command that takes a numeric option parses it the same
# strict way (src/cli/args.c): a sign, a leading space, the empty string,
# hex, trailing junk and overflow are refused with exit status 2, a one-line
# message naming the option and the value, nothing on stdout, and nothing
# started (each command below would otherwise run or connect). Amounts of
# TAO ("1.5", at most 9 decimals) are parsed the same way by `yuma gov`
# (exit status 2) and the chain commands (exit status 1, as all of their
# refusals); their values are checked in tests/test_cli_args.c.
#
# usage: bash tests/cli_args.sh PATH/TO/yuma SOURCE_DIR
set -u

SRC=${2:?usage: bash tests/cli_args.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/cli_lib.sh"

spellings=("-1" "+5" " 5" "" "0x10" "5x" "18446744073709551616" "99999999999999999999999")
for v in "${spellings[@]}"; do
    refused "--steps must be 1..10000000, not '$v'" train --steps "$v"
    refused "--windows must be 1..100000, not '$v'" subnet train sim --windows "$v"
    refused "--lr must be a number in (0, 1], not '$v'" subnet train sim --lr "$v"
    refused "--limit must be 1..10000, not '$v'" events --limit "$v"
    refused "--netuid must be 0..65534, not '$v'" events --netuid "$v"
    refused "bad option '--blocks'" bench chain --blocks "$v"
    refused "bad option '--uids'" bench chain-epochs --uids "$v"
    refused "N, the number of nodes, must be 1..20" cluster up "$v"
    refused "--windows must be 1..100000, not '$v'" subnet train miner --windows "$v"
    refused "--seed must be an integer, not '$v'" subnet train validator --seed "$v"
    refused "--from must be an entry number, not $v" gov log --from "$v" --rpc http://127.0.0.1:1/
    refused "--netuid must be 0..65534, not $v" gov list --netuid "$v" --rpc http://127.0.0.1:1/
    refused "--n must be 1..65535" bench epoch --n "$v"
    refused "--seed must be a u64" bench epoch --seed "$v"
    if [ "$v" = "-1" ]; then # a leading dash reads as an option
        refused "unknown option -1" block "$v" --rpc http://127.0.0.1:1/
    else
        refused "the block height must be 0, 1, 2, ..., not $v" block "$v" --rpc http://127.0.0.1:1/
    fi
    refused "--netuid must be 0..65535, not $v" metagraph --netuid "$v" --rpc http://127.0.0.1:1/
    refused "--dest-netuid must be 0..65535, not $v" stake move --netuid 1 --dest-netuid "$v" --rpc http://127.0.0.1:1/
    refused "--words must be 12 or 24" wallet create --wallet w --words "$v"
    refused_as "yuma serve --port '$v'" 1 "--port must be 1..65535" serve --netuid 1 --ip 10.0.0.1 --port "$v" \
        --rpc http://127.0.0.1:1/
done
# the range ends are inclusive, one past them is refused
refused "--limit must be 1..10000, not '0'" events --limit 0
refused "--limit must be 1..10000, not '10001'" events --limit 10001
refused "--netuid must be 0..65534, not '65535'" events --netuid 65535
refused "--windows must be 1..100000, not '100001'" subnet train sim --windows 100001
refused "--lr must be a number in (0, 1], not '0'" subnet train sim --lr 0
refused "--lr must be a number in (0, 1], not 'nan'" subnet train sim --lr nan
refused "--lr must be a number in (0, 1], not '1.0000001'" subnet train sim --lr 1.0000001
refused "N, the number of nodes, must be 1..20" cluster up 21

# amounts: no sign, space, exponent or hex, one point at most, at least one
# digit, at most 9 decimals (a rao), at most 2^64-1 rao, and no wrapping
# around 2^64 on the way
ADDR=5D4r5UurzhvZJ2SNpL72YrFirCgMqZKbafy2uG7MdddrXHnp
RPC=(--rpc http://127.0.0.1:1/)
amounts=("" "." "1.0000000001" "18446744073.709551616" "18446744073709551616" " 1" "+1" "-1" "1e3" "0x10" "1.5x" "1..5")
for v in "${amounts[@]}"; do
    refused "--amount TAO is required, not $v" gov topup 1 --amount "$v" "${RPC[@]}"
    refused "--amount ALPHA is required, not $v" gov escrow 1 lock --validator "$ADDR" --amount "$v" "${RPC[@]}"
    refused "--deposit TAO is required (e.g. 100), not $v" gov propose --global --action param:x=1 --rationale r --deposit "$v" "${RPC[@]}"
    refused_as "yuma transfer --amount '$v'" 1 "--amount TAO (e.g. 1.5) is required" transfer --dest "$ADDR" --amount "$v" "${RPC[@]}"
    refused_as "yuma stake add --limit-price '$v'" 1 "--limit-price must be a TAO price" stake add --limit-price "$v" "${RPC[@]}"
done
# the edges that are amounts: past the amount, the command stops at the
# missing wallet, before it connects
for v in "1." ".5" "0.000000001" "18446744073.709551615"; do
    refused_as "yuma transfer --amount '$v' is an amount" 1 "--wallet NAME is required" transfer --dest "$ADDR" --amount "$v" "${RPC[@]}"
done

cli_summary
