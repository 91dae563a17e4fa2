#!/usr/bin/env bash
# cli_train_devnet.sh - the training subnet live (issue 7 parts 2-4,
# docs/TRAINING_NET.md): `yuma devnet --subnet train` starts a node, two
# validators and four miners (two honest, a lazy one, a noise one), each a
# `yuma subnet train` process exchanging artefacts over its axon. While it
# runs, miner 1 is killed (SIGKILL) in the middle of a window and started
# again by hand with the command the devnet saved; it must catch up and
# hold the lead's model. At the end:
#   - every honest node (the honest miners and both validators) logged the
#     same model hash as the lead validator for every window it ran;
#   - the restarted miner caught up and its later hashes match too;
#   - weights were set by transactions; both honest miners earned more than
#     the lazy miner, and the noise miner earned nothing;
#   - the lead's held-out loss fell; nothing was refused by a reader;
#   - bad flags of `yuma subnet train miner|validator` and of the train
#     devnet are refused with exit 2 and a message.
# The corpus is /usr/share/common-licenses (base-files): real English text
# every Debian system has, so the run is the same wherever it runs.
# Usage: cli_train_devnet.sh <path-to-yuma> <source-dir>
set -u
yuma=$1
dir=$(mktemp -d)
restarted=
# KEEP_TRAIN_DEVNET=1 keeps the directory (logs, stores) for a look afterwards
trap '[ -n "$restarted" ] && kill "$restarted" 2>/dev/null; [ -n "${KEEP_TRAIN_DEVNET:-}" ] && echo "kept $dir" || rm -rf "$dir"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else echo "FAILED: $1"; failed=$((failed + 1)); fi; }

cat /usr/share/common-licenses/* >"$dir/corpus.txt"

# ---- usage errors: exit 2, a message, nothing started ----
usage_err() { # NAME WANT ARGS...
    local name=$1 want=$2
    shift 2
    "$yuma" "$@" >"$dir/out" 2>"$dir/err"
    local rc=$?
    check "$name: exit 2 (got $rc)" '[ $rc = 2 ]'
    check "$name: says '$want'" 'grep -q -- "$want" "$dir/err"'
}
usage_err miner_no_netuid "--netuid is required" subnet train miner --dev-key miner-0-hotkey --start-block 1
usage_err miner_no_key "--dev-key is required" subnet train miner --netuid 1 --start-block 1
usage_err miner_no_start "--start-block is required" subnet train miner --netuid 1 --dev-key k
usage_err miner_bad_kind "--kind must be" subnet train miner --kind copier --netuid 1 --dev-key k --start-block 1
usage_err validator_kind "--kind is for miners" subnet train validator --kind lazy
usage_err miner_index "miner index 4 is not below the 4 miners" subnet train miner --netuid 1 --dev-key k \
    --start-block 1 --index 4 --corpus "$dir/corpus.txt"
usage_err validator_index "validator index 1 is not below the 1 validators" subnet train validator --netuid 1 \
    --dev-key k --start-block 1 --index 1 --corpus "$dir/corpus.txt"
usage_err bad_alpha "--binary-alpha must be" subnet train validator --binary-alpha 0
usage_err no_corpus "cannot open corpus" subnet train miner --netuid 1 --dev-key k --start-block 1 \
    --corpus "$dir/none.txt"
usage_err unknown "unknown option '--bogus'" subnet train miner --bogus 1
usage_err devnet_kinds "--kinds must be" devnet --subnet train --kinds honest,copier
usage_err devnet_subnet "--subnet must be example or train" devnet --subnet nope
usage_err devnet_train_flags "are for --subnet train" devnet --windows 3
usage_err devnet_corpus "cannot read the corpus" devnet --subnet train --corpus "$dir/none.txt"

# ---- the run ----
windows=12
"$yuma" devnet --subnet train --dir "$dir/net" --windows $windows --block-ms 400 --corpus "$dir/corpus.txt" \
    >"$dir/devnet.out" 2>&1 &
devnet=$!
# kill miner 1 in the middle of window 4 (after it logged window 3), then start it again
killed=0
for _ in $(seq 600); do
    if grep -q "^window 3 model" "$dir/net/miner-1.log" 2>/dev/null; then
        sleep 1.5
        pid=$(cat "$dir/net/miner-1.pid")
        kill -KILL "$pid" && killed=1
        break
    fi
    sleep 0.2
done
check "miner 1 was killed mid-run" '[ $killed = 1 ]'
if [ $killed = 1 ]; then
    sleep 2
    mapfile -t cmd <"$dir/net/miner-1.cmd"
    "${cmd[@]}" >"$dir/net/miner-1.restart.log" 2>&1 &
    restarted=$!
fi
timeout 240 tail --pid=$devnet -f /dev/null
devnet_alive=$(kill -0 $devnet 2>/dev/null && echo yes || echo no)
[ "$devnet_alive" = yes ] && kill -INT $devnet
wait $devnet
status=$?
check "devnet finished within its time (alive: $devnet_alive) and exits 0 (got $status)" \
    '[ $devnet_alive = no ] && [ $status = 0 ]'
if [ -n "$restarted" ]; then
    timeout 30 tail --pid="$restarted" -f /dev/null
    kill "$restarted" 2>/dev/null
    wait "$restarted" 2>/dev/null
    restarted=
fi

net=$dir/net
lead=$net/validator-bob.log
check "the lead ran every window" 'grep -q "^window $((windows - 1)) model" "$lead"'
# every honest node's hash equals the lead's for each window it logged
agree=1 compared=0
for log in "$net/miner-0.log" "$net/miner-1.log" "$net/miner-1.restart.log" "$net/validator-charlie.log"; do
    while read -r _ w _ hash; do
        want=$(awk -v w="$w" '$1 == "window" && $2 == w && $3 == "model" { print $4 }' "$lead")
        compared=$((compared + 1))
        [ "$hash" = "$want" ] || { agree=0; echo "window $w: $(basename "$log") holds $hash, the lead $want"; }
    done < <(grep "^window [0-9]* model" "$log" 2>/dev/null)
done
check "honest nodes' model hashes agree with the lead's ($compared compared)" '[ $agree = 1 ] && [ $compared -ge 30 ]'
check "the restarted miner caught up" 'grep -q "^caught up to window" "$net/miner-1.restart.log"'
check "the restarted miner ran windows after it rejoined" \
    '[ "$(grep -c "^window [0-9]* model" "$net/miner-1.restart.log")" -ge 3 ]'
check "nothing was refused by a reader" '! grep -h "^refused" "$net"/*.log'
check "weights were set by transactions" 'grep -q "weights set at block" "$lead"'

last=$(awk '/^subnet 1, epoch/ { table = "" } { table = table $0 "\n" } END { printf "%s", table }' "$dir/devnet.out")
earned() { echo "$last" | awk -v uid="$1" '$1 == uid { print $NF }'; }
h0=$(earned 3) h1=$(earned 4) lazy=$(earned 5) noise=$(earned 6)
check "honest miners earn more than the lazy one ($h0, $h1 > $lazy)" \
    "awk -v a=${h0:-0} -v b=${h1:-0} -v l=${lazy:-0} 'BEGIN { exit !(a > l && b > l) }'"
check "the noise miner earns nothing ($noise)" '[ "$noise" = "0.000000000" ]'
first=$(awk '$1 == "heldout" { print $3; exit }' "$lead")
final=$(awk '$1 == "heldout" { v = $3 } END { print v }' "$lead")
check "the held-out loss fell ($first -> $final)" "awk -v a=${first:-0} -v b=${final:-0} 'BEGIN { exit !(b < a) }'"

if [ $failed != 0 ]; then
    tail -n 30 "$dir/devnet.out"
    for f in "$net"/*.log; do echo "== $f"; grep -v "^published" "$f" | tail -n 8; done
fi
echo "$passed passed, $failed failed"
[ $failed = 0 ]
