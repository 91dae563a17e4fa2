#!/usr/bin/env bash
# The Covenant replay (governance-and-users §5.10) end to end on a real
# yumad: a subnet at work (alice owns it, bob and charlie validate, four
# miners), a whale (dave) holding most of its stake and another staker
# (ferdie). The whale wants the subnet's emission switched off.
#  1. Without a proposal nothing happens: every direct route is refused,
#     with the chain's message recorded as the transaction's status.
#  2. With a proposal (eve proposes for the whale): notice (also in
#     `subnet show`, `balance` and `stake list`), the owner's and a top
#     validator's responses on chain, the vote, and the council rejects the
#     cut: the subnet keeps emitting, the deposit goes back, a cooldown
#     starts.
#  3. Once more after the cooldown: the houses pass it, the owner appeals
#     and loses, ferdie escrows his stake (stretching the timelock to its
#     maximum) and leaves at the pre-proposal price before the cut takes
#     effect; then the emission stops and the owner's lock is refunded.
#     Meanwhile House C alone elects a guardian signer against the stake.
# Every step is in the audit log, which verifies.
# Usage: cli_gov_covenant.sh <path-to-yuma> <source-dir>
set -u
SRC=${2:?usage: bash tests/cli_gov_covenant.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/node_lib.sh"

w="--wallet-path $dir/wallets"
# Plaintext signing keys for the development keys: `--wallet keys --hotkey
# NAME` signs as NAME's account (no password hashing per signature).
declare -A addr
for n in alice bob charlie dave eve ferdie bob-hotkey charlie-hotkey successor successor-hot; do
  addr[$n]=$("$yuma" wallet dev --wallet keys --hotkey $n --plaintext $w | awk '{ print $NF }')
done
as() { echo "--wallet keys --hotkey $1 $w"; }

# The devnet's "days" of a few blocks, a deep pool (a large lock) so the
# stakes below price sensibly, short cooldowns so the test runs in seconds.
{
  echo '{"chain_id": 42, "params": {"min_fee": 100000, "fee_per_byte": 100,'
  echo '  "network_rate_limit": 1, "network_min_lock_cost": 100000000000000,'
  echo '  "network_lock_reduction_interval": 100, "admin_freeze_window": 2,'
  echo '  "gov_notice_blocks": 4, "gov_voting_blocks": 100, "gov_timelock_blocks": 30, "gov_timelock_max_blocks": 120,'
  echo '  "gov_param_timelock_blocks": 60, "gov_appeal_window_blocks": 20, "gov_appeal_voting_blocks": 100,'
  echo '  "gov_topup_window_blocks": 10, "gov_cooldown_blocks": 10, "gov_lock_period_blocks": 200,'
  echo '  "gov_deposit_window_blocks": 60, "gov_seat_warmup_blocks": 6, "gov_builder_min_age_blocks": 10,'
  echo '  "gov_seat_sample_blocks": 2, "gov_owner_term_blocks": 730, "gov_exit_registration_blocks": 60},'
  echo ' "balances": ['
  sep=
  for n in alice bob charlie dave eve ferdie; do echo "$sep{\"address\": \"${addr[$n]}\", \"balance\": 1000000000000000}"; sep=,; done
  echo ']}'
} >"$dir/genesis.json"

start_node "$dir/yumad.log" --data "$dir/node" --genesis "$dir/genesis.json" --rpc-port 0 --block-ms 100
rpc="--rpc $url"
check "the node runs" '"$yuma" block $rpc >/dev/null 2>&1'

# The subnet at work: alice's subnet 1, bob and charlie validating, miners.
check "devnet setup builds subnet 1" '"$yuma" devnet setup $rpc >"$dir/setup.log" 2>&1'
# chain_cmds signs with a wallet's coldkey: coldkey wallets for the owner
# and the two stakers (encrypted, hence the password).
export YUMA_PASSWORD=test-only
for s in alice dave ferdie; do "$yuma" wallet dev --wallet $s $w >/dev/null; done
"$yuma" wallet dev --wallet dave --hotkey bob-hotkey --plaintext $w >/dev/null
"$yuma" wallet dev --wallet ferdie --hotkey charlie-hotkey --plaintext $w >/dev/null
check "the whale stakes 50,000 TAO through bob" \
  '"$yuma" stake add --netuid 1 --amount 50000 --wallet dave --hotkey bob-hotkey $w $rpc >/dev/null'
check "ferdie stakes 60,000 TAO through charlie" \
  '"$yuma" stake add --netuid 1 --amount 60000 --wallet ferdie --hotkey charlie-hotkey $w $rpc >/dev/null'
check "an epoch gives the validators their permits" '"$yuma" devnet epoch --netuid 1 $rpc >/dev/null 2>&1'
height() { "$yuma" block $rpc | awk -F'[:,]' '/"height"/ { gsub(/ /, "", $2); print $2; exit }'; }
wait_for() { # wait_for HEIGHT
  local h
  for _ in $(seq 300); do h=$(height); [ -n "$h" ] && [ "$h" -ge "$1" ] && return 0; sleep 0.1; done
  return 1
}
# The council warms up (seat samples every 2 blocks, warm-up 6, builder age 10).
for _ in $(seq 300); do council=$("$yuma" gov council $rpc); echo "$council" | grep -q "3 seats" && break; sleep 0.1; done
check "the council is seated: alice (builder), bob and charlie (economic)" \
  'echo "$council" | grep -q "3 seats (2 economic, 1 builder"'

pool() { "$yuma" subnet show --netuid 1 $rpc 2>/dev/null | awk -F'[:,]' '/"alpha_out"/ { gsub(/ /, "", $2); print $2; exit }'; }
emitting() { local a b; a=$(pool); sleep 0.5; b=$(pool); [ "$b" -gt "$a" ]; }
check "subnet 1 earns emissions" emitting

# The command line refuses malformed requests before anything is sent.
usage() { "$@" >/dev/null 2>&1; [ $? = 2 ]; }
check "an unknown gov subcommand: exit 2" 'usage "$yuma" gov frobnicate'
check "propose needs --netuid or --global: exit 2" 'usage "$yuma" gov propose --action emission=off --rationale x --deposit 100 $(as eve) $rpc'
check "a subnet action on a global proposal: exit 2" 'usage "$yuma" gov propose --global --action emission=off --rationale x --deposit 100 $(as eve) $rpc'
check "an unknown action: exit 2" 'usage "$yuma" gov propose --netuid 1 --action frobnicate=1 --rationale x --deposit 100 $(as eve) $rpc'
check "an unknown chain parameter: exit 2" 'usage "$yuma" gov propose --global --action param:nope=1 --rationale x --deposit 100 $(as eve) $rpc'
check "two rationales: exit 2" 'usage "$yuma" gov propose --netuid 1 --action emission=off --rationale x --rationale-hash 00 --deposit 100 $(as eve) $rpc'
check "a vote that is not aye/nay/abstain/veto: exit 2" 'usage "$yuma" gov vote 1 maybe $(as eve) $rpc'
check "conviction 6: exit 2" 'usage "$yuma" gov vote 1 aye --conviction 6 $(as eve) $rpc'
check "escrow needs lock, lock-amm or unlock: exit 2" 'usage "$yuma" gov escrow 1 hold --validator ${addr[bob-hotkey]} --amount 1 $(as eve) $rpc'
check "a guardian election on one subnet: exit 2" 'usage "$yuma" gov propose --netuid 1 --action guardian-add=${addr[successor]}:acme --rationale x --deposit 100 $(as eve) $rpc'
check "a guardian organisation with a space: exit 2" 'usage "$yuma" gov propose --global --action "guardian-add=${addr[successor]}:a b" --rationale x --deposit 100 $(as eve) $rpc'
check "a guardian without its organisation: exit 2" 'usage "$yuma" gov propose --global --action guardian-add=${addr[successor]} --rationale x --deposit 100 $(as eve) $rpc'
check "a proposal that does not exist: the node says so" '"$yuma" gov show 9 $rpc 2>&1 | grep -q "no proposal 9"'
check "the parameters are listed with their class" '"$yuma" gov params $rpc | grep -q "gov_voting_blocks .* 100  governance"'

# 1. No proposal: every direct route is refused by the chain.
refused() { # refused "what the chain says" command...
  local want=$1; shift
  local out; out=$("$@" 2>&1); [ $? != 0 ] && echo "$out" | grep -q "$want"
}
check "the whale cannot set a governance-only hyperparameter" \
  'refused "only the subnet" "$yuma" subnet set --netuid 1 --param kappa --value 0 --wallet dave $w $rpc'
check "nor can the owner (kappa is governance's)" \
  'refused "set by governance" "$yuma" subnet set --netuid 1 --param kappa --value 0 --wallet alice $w $rpc'
check "the whale cannot take the subnet over" \
  'refused "subnet.s owner" "$yuma" gov owner-transfer --netuid 1 --dest ${addr[dave]} --dest-hotkey ${addr[dave]} $(as dave) $rpc'
check "nor can the owner hand it on outside a timelock" \
  'refused "exit right" "$yuma" gov owner-transfer --netuid 1 --dest ${addr[successor]} --dest-hotkey ${addr[successor-hot]} $(as alice) $rpc'
check "a vote without a proposal is refused" 'refused "no governance proposal" "$yuma" gov vote 1 aye $(as dave) $rpc'
check "a proposal without deposit is refused" \
  'refused "initial deposit" "$yuma" gov propose --netuid 1 --action emission=off --rationale cut --deposit 0 $(as eve) $rpc'
check "the refusals are on record (tx status)" \
  '"$yuma" gov propose --netuid 1 --action emission=off --rationale cut --deposit 0 $(as eve) $rpc --json 2>/dev/null | grep -q "\"ok\": *false"'
check "subnet 1 still earns emissions" emitting

# 2. The proposal the council rejects.
check "a dry run sends nothing and shows the deposit rule" \
  '"$yuma" gov propose --netuid 1 --action emission=off --rationale "dry" --deposit 100 --dry-run --json $(as eve) $rpc | grep -q "\"required\": 100000000000"'
check "eve proposes the cut (rationale on the node, hash on chain)" \
  '"$yuma" gov propose --netuid 1 --action emission=off --rationale "Gradient validation exploit on subnet 1" --deposit 100 $(as eve) $rpc >/dev/null'
notice=$("$yuma" gov notices $(as alice) $rpc)
check "the owner sees the notice" 'echo "$notice" | grep -q "NOTICE: proposal #1 (.*) targets subnet 1, where you are the OWNER"'
check "a staker sees it too" '"$yuma" gov notices $(as ferdie) $rpc | grep -q "where you are a staker"'
# The notice where owners and stakers look anyway, on stderr (stdout stays JSON).
"$yuma" subnet show --netuid 1 $rpc >"$dir/show.out" 2>"$dir/show.err"
check "subnet show prints the notice line" \
  'grep -Eq "^notice: governance proposal #1 targets subnet 1 \(emission=0\): (hearing open, voting opens at|voting until) block [0-9]+; read it: yuma gov show 1$" "$dir/show.err" || { cat "$dir/show.err"; false; }'
check "and its JSON stays clean" '! grep -q notice "$dir/show.out" && grep -q "\"alpha_out\"" "$dir/show.out"'
check "the owner's balance view names its role" '"$yuma" balance ${addr[alice]} $rpc 2>&1 >/dev/null | grep -q "proposal #1 .*\[you: owner\]"'
check "a staker's balance view too" '"$yuma" balance ${addr[ferdie]} $rpc 2>&1 >/dev/null | grep -q "proposal #1 .*\[you: staker\]"'
check "the staker's stake view" '"$yuma" stake list --netuid 1 --wallet ferdie --hotkey charlie-hotkey $w $rpc 2>&1 >/dev/null | grep -q "^notice: governance proposal #1"'
check "no notice for an account it does not concern" '[ -z "$("$yuma" balance ${addr[eve]} $rpc 2>&1 >/dev/null)" ]'
check "a top validator (bob's hotkey) responds too" \
  '"$yuma" gov respond 1 --text "bob validates subnet 1: the gradients check out" $(as bob-hotkey) $rpc >/dev/null'
check "anyone else is refused" 'refused "top-3 validators" "$yuma" gov respond 1 --text "me too" $(as eve) $rpc'
check "the owner's response goes on chain" \
  '"$yuma" gov respond 1 --text "We found no exploit: our validator logs are public" $(as alice) $rpc >/dev/null'
show=$("$yuma" gov show 1 $rpc)
check "all three documents are shown side by side" \
  'echo "$show" | grep -q "Gradient validation exploit" && echo "$show" | grep -q "validator logs are public" &&
   echo "$show" | grep -q "validator ${addr[bob-hotkey]}.s response (1 filed) .*: bob validates subnet 1"'
start=$("$yuma" gov show 1 --json $rpc | awk -F'[:,]' '/"voting_start"/ { gsub(/ /, "", $2); print $2; exit }')
wait_for "$start"
check "the whale votes aye" '"$yuma" gov vote 1 aye $(as dave) $rpc >/dev/null'
check "ferdie votes nay with conviction 2 (his stake locks)" '"$yuma" gov vote 1 nay --conviction 2 $(as ferdie) $rpc >/dev/null'
check "the owner is recused" 'refused "recused" "$yuma" gov vote 1 nay $(as alice) $rpc'
check "the council votes nay" \
  '"$yuma" gov vote 1 nay $(as bob) $rpc >/dev/null && "$yuma" gov vote 1 nay $(as charlie) $rpc >/dev/null'
check "ferdie's locked stake cannot be dumped" \
  'refused "locked" "$yuma" stake remove --netuid 1 --amount 1000 --wallet ferdie --hotkey charlie-hotkey $w $rpc'
end=$("$yuma" gov show 1 --json $rpc | awk -F'[:,]' '/"round_end"/ { gsub(/ /, "", $2); print $2; exit }')
wait_for "$end"
check "the council rejected the cut" '"$yuma" gov show 1 $rpc | grep -q "#1 rejected"'
check "the notice is gone with it" '[ -z "$("$yuma" subnet show --netuid 1 $rpc 2>&1 >/dev/null)" ]'
check "subnet 1 keeps earning" emitting

# 3. After the cooldown, the cut passes; appeal, escrow, rage exit.
wait_for $((end + 11))
check "eve proposes the cut again" \
  '"$yuma" gov propose --netuid 1 --action emission=off --rationale "Gradient validation exploit, second report" --deposit 100 $(as eve) $rpc >/dev/null'
check "eve proposes a guardian signer (an election: House C decides)" \
  '"$yuma" gov propose --global --action guardian-add=${addr[successor]}:acme --rationale "A guardian for the lane" --deposit 100 $(as eve) $rpc >/dev/null'
"$yuma" gov respond 2 --text "Still no exploit; we will appeal" $(as alice) $rpc >/dev/null
start=$("$yuma" gov show 3 --json $rpc | awk -F'[:,]' '/"voting_start"/ { gsub(/ /, "", $2); print $2; exit }')
wait_for "$start"
for v in dave bob charlie; do "$yuma" gov vote 2 aye $(as $v) $rpc >/dev/null; done
check "the council elects, the stake is against" \
  'ok=0; "$yuma" gov vote 3 nay $(as dave) $rpc >/dev/null || ok=1
   for v in alice bob charlie; do "$yuma" gov vote 3 aye $(as $v) $rpc >/dev/null || ok=1; done; [ $ok = 0 ]'
end=$("$yuma" gov show 2 --json $rpc | awk -F'[:,]' '/"round_end"/ { gsub(/ /, "", $2); print $2; exit }')
wait_for "$end"
check "the houses passed it: timelock" '"$yuma" gov show 2 $rpc | grep -q "#2 timelock"'
check "subnet show says when it takes effect" \
  '"$yuma" subnet show --netuid 1 $rpc 2>&1 >/dev/null | grep -q "proposal #2 .*: passed, takes effect at block"'
check "the owner appeals (bond: 25 TAO)" '"$yuma" gov appeal 2 $(as alice) $rpc >/dev/null'
sleep 0.5
for v in dave bob charlie; do "$yuma" gov vote 2 aye $(as $v) $rpc >/dev/null; done
check "ferdie escrows his stake in protest" \
  '"$yuma" gov escrow 2 lock --validator ${addr[charlie-hotkey]} --amount 19000 $(as ferdie) $rpc >/dev/null'
end=$("$yuma" gov show 2 --json $rpc | awk -F'[:,]' '/"round_end"/ { gsub(/ /, "", $2); print $2; exit }')
wait_for "$end"
show=$("$yuma" gov show 2 $rpc)
check "the appeal lost: the timelock resumes, stretched to its maximum by the escrow" \
  'echo "$show" | grep -q "#2 timelock" && echo "$show" | grep -q "appeal: .*council .*passed"'
check "the owner hands the subnet on during the timelock (exit right)" \
  '"$yuma" gov owner-transfer --netuid 1 --dest ${addr[successor]} --dest-hotkey ${addr[successor-hot]} $(as alice) $rpc >/dev/null'
tl=$("$yuma" gov show 2 --json $rpc | awk -F'[:,]' '/"timelock_end"/ { gsub(/ /, "", $2); print $2; exit }')
bal() { "$yuma" balance "$1" $rpc 2>/dev/null | awk -F'[:,]' '/"balance"/ { gsub(/ /, "", $2); print $2; exit }'; }
before=$(bal ${addr[ferdie]})
check "subnet 1 earns right up to the end of the timelock" emitting
wait_for $((tl + 1))
check "enacted" '"$yuma" gov show 2 $rpc | grep -q "#2 enacted"'
check "House C alone elected the guardian signer" \
  '"$yuma" gov show 3 $rpc | grep -q "#3 enacted" && "$yuma" gov show 3 $rpc | grep -q "action guardian_add ${addr[successor]} of acme" &&
   "$yuma" gov guardian list $rpc | grep -q "slot 0 ${addr[successor]} acme"'
check "ferdie left at the pre-proposal price before the cut" '[ "$(bal ${addr[ferdie]})" -gt "$before" ]'
check "subnet 1's emission is off" '! emitting'
log=$("$yuma" gov log --netuid 1 --json $rpc)
for ev in 32768 32774 32775 32769 32773 32784 32785 32800 32801 32802 1; do
  check "the audit log holds call $ev" 'echo "$log" | grep -q "\"call_id\": $ev,"'
done
check "the audit log verifies" '"$yuma" gov log --verify $rpc | grep -q "hash chain intact"'
check "the node's chain replays to the same state" 'stop_node; "$yumad" --data "$dir/node" --verify >/dev/null'
[ $failed = 0 ] || tail -n 30 "$dir/yumad.log"
node_summary
