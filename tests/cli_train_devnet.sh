#!/usr/bin/env bash
# cli_train_devnet.sh - the training subnet live (issue 7 parts 2-4,
# docs/TRAINING_NET.md): `yuma devnet --subnet train` starts a node, two
# validators and four miners (two honest, a lazy one, a noise one), each a
# `yuma subnet train` process signing with a hotkey of its own wallet and
# exchanging artefacts over its axon. While it runs, the noise miner
# (miner 3: killing an honest one would lower its own earnings and blur the
# comparison below), then the second validator (charlie), then the lead
# validator (bob, whose aggregators and peer lists the others follow) are
# killed (SIGKILL) in the middle of a window, just after each saved its
# state, and started again by hand with the command the devnet saved; each
# must restore exactly the state it saved, catch up and hold the same model
# as everyone else.
# At the end:
#   - every node that follows the global model (the honest miners, the
#     noise miner, whose uploads are noise but who applies the aggregate,
#     and both validators, before and after their restarts) logged the
#     same model hash for every window any of them ran;
#   - each restarted process logged "state restored window W <checksum>"
#     with the W and checksum of the last "state saved" line it logged
#     before it was killed (the checksum is of the restored state encoded
#     again: the state in memory is the one saved, bit for bit), caught up
#     and ran later windows;
#   - each epoch paid what its epoch event says (the metagraph's emissions
#     of the last epoch add up to the event's amount exactly; see
#     docs/TRAINING_NET.md for why the table's rounding is accounted);
#   - weights were set by transactions; both honest miners earned more than
#     the lazy miner, and the noise miner earned nothing;
#   - the lead's held-out loss fell; no reader refused a file for its
#     content (size, .meta, block);
#   - bad flags of `yuma subnet train miner|validator` and of the train
#     devnet are refused with exit 2 and a message, and so are wallets that
#     cannot be used (none, no such hotkey, no or a wrong password, a key
#     file others can read) and, against the running devnet, a hotkey that
#     is not registered (plaintext and encrypted with the right password).
# The corpus is /usr/share/common-licenses (base-files): real English text
# every Debian system has, so the run is the same wherever it runs.
# Usage: cli_train_devnet.sh <path-to-yuma> <source-dir>
set -u
unset YUMA_PASSWORD
SRC=${2:?usage: bash tests/cli_train_devnet.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/node_lib.sh"
# KEEP_TRAIN_DEVNET=1 keeps the directory (logs, stores) for a look afterwards
keep_dir=${KEEP_TRAIN_DEVNET:-}
restarted=
on_exit() { for p in $restarted; do kill "$p" 2>/dev/null; done; }

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
usage_err miner_no_key "--wallet NAME and --hotkey NAME are required (or --dev-key NAME on a devnet)" \
    subnet train miner --netuid 1 --start-block 1
usage_err miner_no_hotkey "--wallet NAME and --hotkey NAME are required" subnet train miner --netuid 1 \
    --start-block 1 --wallet w
usage_err miner_key_and_wallet "--dev-key and --wallet/--hotkey/--wallet-path exclude each other" \
    subnet train miner --netuid 1 --start-block 1 --dev-key k --wallet w --hotkey h
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

# ---- wallets that cannot be used: exit 2, one line, nothing started ----
wallets=$dir/wallets
wopt=(subnet train miner --netuid 1 --start-block 1 --corpus "$dir/corpus.txt" --wallet-path "$wallets" --dir "$dir/refused")
YUMA_PASSWORD=right "$yuma" wallet create --wallet-path "$wallets" --wallet enc --hotkey hk >/dev/null 2>&1
"$yuma" wallet create --wallet-path "$wallets" --wallet plain --hotkey hk --plaintext >/dev/null 2>&1
usage_err wallet_missing "no wallet 'nope' in $wallets" "${wopt[@]}" --wallet nope --hotkey hk
usage_err hotkey_missing "wallet 'plain' has no hotkey 'other'" "${wopt[@]}" --wallet plain --hotkey other
usage_err no_password "is encrypted: a password is needed (set YUMA_PASSWORD" "${wopt[@]}" --wallet enc --hotkey hk \
    </dev/null
YUMA_PASSWORD=wrong usage_err wrong_password "wrong password (or the key file $wallets/enc/hotkeys/hk was modified)" \
    "${wopt[@]}" --wallet enc --hotkey hk
check "the wrong password's refusal is one line" '[ "$(wc -l <"$dir/err")" = 1 ]'
chmod 644 "$wallets/plain/hotkeys/hk"
usage_err hotkey_readable "is readable by others (mode 0644): run chmod 600" "${wopt[@]}" --wallet plain --hotkey hk
chmod 600 "$wallets/plain/hotkeys/hk"
check "nothing started by a refusal (no process directory made)" '[ ! -e "$dir/refused" ]'

# ---- the run ----
windows=10
"$yuma" devnet --subnet train --dir "$dir/net" --windows $windows --block-ms 600 --corpus "$dir/corpus.txt" \
    >"$dir/devnet.out" 2>&1 &
devnet=$!
# kill_after NAME WINDOW [LOG...]: SIGKILL process NAME in the middle of
# the window after it saved its state for WINDOW; fails when it never got
# there.
kill_after() {
    for _ in $(seq 1500); do
        if grep -q "^state saved window $2 " "$dir/net/$1.log" 2>/dev/null; then
            sleep 1.5
            kill -KILL "$(cat "$dir/net/$1.pid")" && return 0
            return 1
        fi
        sleep 0.2
    done
    return 1
}
# kill_miner_after I WINDOW: SIGKILL miner I, once it saved its state for
# WINDOW or later, at a moment when every other node (the other miners and
# both validators) holds its newest upload. A miner serves its uploads
# itself: killed before a reader (a validator running late, as under the
# sanitizers) has fetched its newest one, that reader would gather without
# it while the others gathered with it. It is then mid-window, before its
# next upload.
kill_miner_after() {
    local i=$1 log=$dir/net/miner-$1.log g readers=()
    for r in "$dir"/net/miner-*.log "$dir"/net/validator-*.log; do [ "$r" != "$log" ] && readers+=("$r"); done
    for _ in $(seq 3000); do
        if grep -q "^state saved window $2 " "$log" 2>/dev/null; then
            g=$(grep -o "^published gradient-[0-9]*-$i.bin" "$log" | tail -n 1 | cut -c11-)
            if [ -n "$g" ] && [ "$(grep -l "^mirrored $g " "${readers[@]}" | wc -l)" = "${#readers[@]}" ]; then
                kill -KILL "$(cat "$dir/net/miner-$i.pid")" || return 1
                echo "killed miner $i holding $g"
                return 0
            fi
        fi
        sleep 0.1
    done
    return 1
}
restart() { # NAME LOG: the devnet's command line for it, again, logging to LOG
    mapfile -t cmd <"$dir/net/$1.cmd"
    "${cmd[@]}" >>"$2" 2>&1 &
    restarted="$restarted $!"
}
# a hotkey that is not registered is refused against the running node (plaintext,
# and encrypted with the right password: the wallet path works to the chain)
for _ in $(seq 300); do grep -q "^processes:" "$dir/devnet.out" && break; sleep 0.2; done
devnet_url=$(grep -o "node on http://[0-9.:]*" "$dir/devnet.out" | cut -c9-)/
usage_err unregistered "is not registered on subnet 1 (register it first: yuma register" "${wopt[@]}" --rpc "$devnet_url" \
    --wallet plain --hotkey hk
YUMA_PASSWORD=right usage_err unregistered_encrypted "is not registered on subnet 1" "${wopt[@]}" --rpc "$devnet_url" \
    --wallet enc --hotkey hk
killed=0 killed_v=0 killed_lead=0
kill_miner_after 3 2 >"$dir/kill.txt" && killed=1 && sleep 2 && restart miner-3 "$dir/net/miner-3.restart.log"
check "miner 3 was killed mid-run" '[ $killed = 1 ]'
kill_after validator-charlie 4 && killed_v=1 && sleep 2 && restart validator-charlie "$dir/net/validator-charlie.restart.log"
check "validator charlie was killed mid-run" '[ $killed_v = 1 ]'
# the lead appends to its own log, which the devnet reads for the held-out loss and the end of the run
if kill_after validator-bob 5; then
    killed_lead=1
    echo "--- restarted" >>"$dir/net/validator-bob.log"
    sleep 2
    restart validator-bob "$dir/net/validator-bob.log"
fi
check "the lead validator bob was killed mid-run" '[ $killed_lead = 1 ]'
timeout 240 tail --pid=$devnet -f /dev/null
devnet_alive=$(kill -0 $devnet 2>/dev/null && echo yes || echo no)
[ "$devnet_alive" = yes ] && kill -INT $devnet
wait $devnet
status=$?
check "devnet finished within its time (alive: $devnet_alive) and exits 0 (got $status)" \
    '[ $devnet_alive = no ] && [ $status = 0 ]'
for p in $restarted; do
    timeout 30 tail --pid="$p" -f /dev/null
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
done
restarted=

net=$dir/net
lead=$net/validator-bob.log
lead_before=$(sed '/^--- restarted/,$d' "$lead")
lead_after=$(sed -n '/^--- restarted/,$p' "$lead")
check "the lead ran the last window" 'grep -q "^window $((windows - 1)) model" "$lead"'
# every honest node's hash for a window is the one hash every other node logged for it
hashes=$(cat "$lead" "$net/miner-0.log" "$net/miner-1.log" "$net/miner-3.log" "$net/miner-3.restart.log" \
    "$net/validator-charlie.log" "$net/validator-charlie.restart.log" 2>/dev/null | grep "^window [0-9]* model")
compared=$(echo "$hashes" | grep -c .)
split=$(echo "$hashes" | awk '{ print $2, $4 }' | sort -u | awk '{ n[$1]++ } END { for (w in n) if (n[w] > 1) print w }')
check "honest nodes' model hashes agree each window ($compared compared; windows with two hashes: ${split:-none})" \
    '[ -z "$split" ] && [ $compared -ge 35 ]'
check "the lead's hashes after its restart were compared" \
    '[ "$(echo "$lead_after" | grep -c "^window [0-9]* model")" -ge 2 ]'
# restored STATE_BEFORE STATE_AFTER NAME: the first restore line after the
# restart names the last state saved before it, checksum included
restored() {
    local saved got after=$2
    saved=$(echo "$1" | awk '/^state saved window/ { s = $4 " " $5 } END { print s }')
    got=$(echo "$after" | awk '/^state restored window/ { print $4, $5; exit }')
    check "$3 restored the state it saved last ($got; saved $saved)" '[ -n "$saved" ] && [ "$saved" = "$got" ]'
    check "$3 caught up after its restart" 'echo "$after" | grep -q "^caught up to window"'
    check "$3 ran windows after it rejoined" '[ "$(echo "$after" | grep -c "^window [0-9]* model")" -ge 2 ]'
    if [ "${4:-}" = validator ]; then # a validator resumes at the window after its state: none skipped
        local joined
        joined=$(echo "$after" | awk '/^joining at window/ { print $4; exit }')
        check "$3 resumed at the window after its saved state (joined at ${joined:-none})" \
            '[ -n "$got" ] && [ "$joined" = "$((${got% *} + 1))" ]'
    fi
}
restored "$(cat "$net/miner-3.log")" "$(cat "$net/miner-3.restart.log" 2>/dev/null)" "miner 3"
restored "$(cat "$net/validator-charlie.log")" "$(cat "$net/validator-charlie.restart.log" 2>/dev/null)" \
    "validator charlie" validator
restored "$lead_before" "$lead_after" "the lead validator bob" validator
check "every process signed with its wallet's hotkey" \
    '[ "$(grep -l -- "--wallet-path" "$net"/*.cmd | wc -l)" = 6 ] && ! grep -q -- "--dev-key" "$net"/*.cmd'
# (a fetch cut off by the kills above is a transport failure, retried at the next mirror)
check "no file was refused for its content" '! grep -hE "^refused .*(claims block|its .meta says|malformed)" "$net"/*.log'
check "no process failed (exit status) or tripped a sanitizer" \
    '! grep -qE "exited \(status [1-9]" "$dir/devnet.out" && ! grep -qE "Sanitizer|runtime error" "$net"/*.log'
check "weights were set by transactions" 'grep -q "weights set at block" "$lead"'

last=$(awk '/^subnet 1, epoch/ { table = "" } { table = table $0 "\n" } END { printf "%s", table }' "$dir/devnet.out")
earned() { echo "$last" | awk -v uid="$1" '$1 == uid { print $NF }'; }
h0=$(earned 3) h1=$(earned 4) lazy=$(earned 5) noise=$(earned 6)
check "honest miners earn more than the lazy one ($h0, $h1 > $lazy)" \
    "awk -v a=${h0:-0} -v b=${h1:-0} -v l=${lazy:-0} 'BEGIN { exit !(a > l && b > l) }'"
check "the noise miner earns nothing ($noise)" '[ "$noise" = "0.000000000" ]'
# the last epoch's payments against its event, read back from a node on the devnet's chain
start_node "$dir/yumad.log" --data "$net" --rpc-port 0 --block-ms 3600000
events=$("$yuma" events --from 1 --json --netuid 1 --rpc "$url" 2>&1)
# a saved state cut short is refused before the process starts (exit 2, the file and the way out named)
mapfile -t cmd <"$net/miner-0.cmd"
for i in "${!cmd[@]}"; do [ "${cmd[$i]}" = --rpc ] && cmd[i + 1]=$url; done
truncate -s 500 "$net/miner-0/state.bin"
"${cmd[@]}" >"$dir/out" 2>"$dir/err"
rc=$?
check "a truncated state file is refused with exit 2 (got $rc: $(cat "$dir/err"))" \
    '[ $rc = 2 ] && grep -q "the saved state .*/miner-0/state.bin is truncated or has extra bytes (500 bytes" "$dir/err" &&
     grep -q "move it away to start this node cold" "$dir/err"'
stop_node
# Emissions paid against the epochs' outputs, exactly. The metagraph's
# emission per uid is the epoch's output (yuma_epoch); the epoch event's
# amount is the alpha the chain staked: the incentives exactly, the
# dividends after the split that pays each validator's share of the pool
# truncated to rao (economics §10.7: "the pools are paid a little short";
# the unpaid rao are burned). So between the last two tables (each
# printed after an epoch, stakes to the rao):
#   - the epoch events in between add up to exactly what the neurons'
#     stakes grew by (uid 0, the owner's, also receives the owner cut,
#     which no event counts: it is left out, and must have earned nothing);
#   - with one epoch in between, each miner's stake grew by exactly its
#     emission (incentives are paid as the epoch computed them), and each
#     validator's by its emission give or take the roundings of its
#     dividend, a few rao: the epoch's dividend is an I32F32 share of the
#     epoch's total, floored (under 2.2 + 1 rao off on this devnet's
#     ~9e9-rao epochs), and the payment splits the validators' pool again
#     in proportion to those amounts, truncating each share to 32
#     fractional bits (about 1 rao) and flooring the take and the rest (1
#     rao each); 6 rao per validator bounds them all.
rao() { awk -v x="$1" 'BEGIN { split(x, p, "."); printf "%.0f", p[1] * 1000000000 + p[2] }'; }
rows=$(awk '/^subnet 1, epoch/ { n++; b = $0; sub(/.*\(block /, "", b); sub(/\).*/, "", b) }
    n && $1 ~ /^[0-9]+$/ { print n, b, $1, $(NF-2), $(NF-1) }' "$dir/devnet.out")
tables=$(echo "$rows" | awk '{ print $1 }' | sort -n | tail -n 1)
prev=$(echo "$rows" | awk -v t=$((tables - 1)) '$1 == t')
cur=$(echo "$rows" | awk -v t="$tables" '$1 == t')
pb=$(echo "$prev" | awk 'NR == 1 { print $2 }') lb=$(echo "$cur" | awk 'NR == 1 { print $2 }')
paid=$(echo "$events" | awk -F'[:,]' -v a="${pb:-0}" -v b="${lb:-0}" '/"kind":"epoch"/ && $2 > a && $2 <= b {
    for (i = 1; i < NF; i++) if ($i == "\"amount\"") { s += $(i + 1); n++ } } END { printf "%.0f %d", s, n }')
epochs_between=${paid#* } paid=${paid% *}
staked=0 emitted=0 miners_exact=1 validators_close=1 owner_earned=0
while read -r _ _ uid stake em; do
    before=$(echo "$prev" | awk -v u="$uid" '$3 == u { print $4 }')
    grew=$(($(rao "$stake") - $(rao "${before:-0}")))
    emitted=$((emitted + $(rao "$em")))
    if [ "$uid" = 0 ]; then owner_earned=$(rao "$em"); continue; fi
    staked=$((staked + grew))
    if [ "$uid" -ge 3 ] && [ "$grew" != "$(rao "$em")" ]; then
        miners_exact=0
        echo "uid $uid: stake grew by $grew rao, its emission is $(rao "$em")"
    fi
    off=$((grew - $(rao "$em")))
    if [ "$uid" -le 2 ] && { [ $off -lt -6 ] || [ $off -gt 6 ]; }; then
        validators_close=0
        echo "uid $uid: stake grew by $grew rao, its emission is $(rao "$em")"
    fi
done <<<"$cur"
check "two tables to compare (blocks ${pb:-none} and ${lb:-none}, $epochs_between epoch(s) between)" \
    '[ -n "$pb" ] && [ -n "$lb" ] && [ "$epochs_between" -ge 1 ]'
check "the owner's uid earned nothing in the last epoch ($owner_earned rao)" '[ "$owner_earned" = 0 ]'
check "the epoch events paid exactly what the stakes grew by ($paid rao paid, $staked rao staked)" \
    '[ "$paid" -gt 0 ] && [ "$paid" = "$staked" ]'
if [ "$epochs_between" = 1 ]; then
    check "each miner's stake grew by exactly its emission" '[ $miners_exact = 1 ]'
    check "each validator was paid its emission within its dividend's rounding ($emitted rao emitted, $paid paid)" \
        '[ $validators_close = 1 ]'
fi
nweights=$(echo "$events" | grep -c '"kind":"set_weights"')
check "weights were set more than once ($nweights set_weights events)" '[ "$nweights" -ge 2 ]'
first=$(awk '$1 == "heldout" { print $3; exit }' "$lead")
final=$(awk '$1 == "heldout" { v = $3 } END { print v }' "$lead")
check "the held-out loss fell ($first -> $final)" "awk -v a=${first:-0} -v b=${final:-0} 'BEGIN { exit !(b < a) }'"

if [ $failed != 0 ]; then
    tail -n 30 "$dir/devnet.out"
    for f in "$net"/*.log; do echo "== $f"; grep -v "^published" "$f" | tail -n 8; done
fi
node_summary
