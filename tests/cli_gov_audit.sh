#!/usr/bin/env bash
# `yuma gov log|history|metrics|guardian` against a real yumad: a genesis
# file names six guardian signers (two per organisation); a subnet starts;
# five signers escrow its emission through real transactions and one posts
# the rationale; the audit log shows every step, verifies, and the
# subnet's emission-share history shows the escrow. Refusals: a signer who
# is not a guardian (the chain's message), flags out of range (exit 2),
# an unknown subnet, a dry run that sends nothing.
# Usage: cli_gov_audit.sh <path-to-yuma> <source-dir>
set -u
SRC=${2:?usage: bash tests/cli_gov_audit.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/node_lib.sh"

export YUMA_PASSWORD=test-only
w="--wallet-path $dir/wallets"
# The signers use dedicated plaintext signing keys (--hotkey), so the test
# does not pay argon2id for every signature; alice's coldkey owns the subnet.
names="alice bob charlie dave eve ferdie mallory"
declare -A addr
for n in $names; do
  addr[$n]=$("$yuma" wallet dev --wallet keys --hotkey $n --plaintext $w | awk '{ print $NF }')
done
owner=$("$yuma" wallet dev --wallet owner $w | awk '{ print $NF }')
hot=$("$yuma" wallet dev --wallet owner --hotkey owner-hot --plaintext $w | awk '{ print $NF }')

# Long approval and rationale windows so the test does not race the blocks.
{
  echo '{"chain_id": 77, "params": {"network_rate_limit": 1, "network_min_lock_cost": 100000000000,'
  echo '  "min_fee": 100000, "fee_per_byte": 100,'
  echo '  "gov_approval_window_blocks": 1000, "gov_rationale_window_blocks": 1000,'
  echo '  "gov_emergency_escrow_blocks": 500, "gov_history_interval_blocks": 1},'
  echo ' "balances": ['
  sep=
  for n in $names; do echo "$sep{\"address\": \"${addr[$n]}\", \"balance\": 100000000000000}"; sep=,; done
  echo ",{\"address\": \"$owner\", \"balance\": 100000000000000}, {\"address\": \"$hot\", \"balance\": 1000000000000}],"
  echo ' "guardians": ['
  echo "  {\"address\": \"${addr[alice]}\", \"org\": \"north\"}, {\"address\": \"${addr[bob]}\", \"org\": \"north\"},"
  echo "  {\"address\": \"${addr[charlie]}\", \"org\": \"south\"}, {\"address\": \"${addr[dave]}\", \"org\": \"south\"},"
  echo "  {\"address\": \"${addr[eve]}\", \"org\": \"east\"}, {\"address\": \"${addr[ferdie]}\", \"org\": \"east\"}]}"
} >"$dir/genesis.json"

start_node "$dir/yumad.log" --data "$dir/node" --genesis "$dir/genesis.json" --rpc-port 0 --block-ms 100
rpc="--rpc $url"
check "the node runs the genesis with guardians" '"$yuma" block $rpc >/dev/null 2>&1'

# A three-in-one-organisation genesis is refused with the lane's message.
sed 's/"org": "south"}, {"address": "'"${addr[dave]}"'", "org": "south"}/"org": "north"}, {"address": "'"${addr[dave]}"'", "org": "south"}/' \
  "$dir/genesis.json" >"$dir/bad.json"
check "a genesis with three signers of one organisation is refused" \
  'timeout 10 "$yumad" --data "$dir/bad" --genesis "$dir/bad.json" --rpc-port 0 2>&1 | grep -q "more guardians from one organisation than gov_guardian_per_org"'

"$yuma" subnet create --wallet owner --hotkey owner-hot $w $rpc >/dev/null
"$yuma" subnet start --netuid 1 --wallet owner $w $rpc >/dev/null
list=$("$yuma" gov guardian list $rpc)
check "guardian list shows 6 signers and the 5-of-9 rule" \
  '[ "$(echo "$list" | grep -c "active ")" = 6 ] && echo "$list" | grep -q "guardian: 5 of 9"'

# Refusals before anything is sent.
check "escrow without --blocks: exit 2" \
  '"$yuma" gov guardian escrow --netuid 1 --statement x --wallet keys --hotkey alice $w $rpc 2>/dev/null; [ $? = 2 ]'
check "escrow without a statement: exit 2" \
  '"$yuma" gov guardian escrow --netuid 1 --blocks 3 --wallet keys --hotkey alice $w $rpc 2>/dev/null; [ $? = 2 ]'
check "a zero statement hash: exit 2" \
  '"$yuma" gov guardian escrow --netuid 1 --blocks 3 --statement-hash $(printf "0%.0s" $(seq 64)) --wallet keys --hotkey alice $w $rpc 2>&1 | grep -q "must not be zero"'
check "approve --action 0: exit 2" '"$yuma" gov guardian approve --action 0 --wallet keys --hotkey bob $w $rpc 2>/dev/null; [ $? = 2 ]'
check "log --from after --to: exit 2" '"$yuma" gov log --from 5 --to 2 $rpc 2>/dev/null; [ $? = 2 ]'
check "history needs --netuid: exit 2" '"$yuma" gov history $rpc 2>/dev/null; [ $? = 2 ]'
check "an unknown gov subcommand: exit 2" '"$yuma" gov frobnicate 2>/dev/null; [ $? = 2 ]'
check "history of a subnet that does not exist: exit 1 with the node's message" \
  '"$yuma" gov history --netuid 9 $rpc 2>&1 | grep -q "no emission history for subnet 9"'
dry=$("$yuma" gov guardian escrow --netuid 1 --blocks 3 --statement "dry" --wallet keys --hotkey mallory --dry-run $w $rpc)
check "a dry run tells a non-guardian it would be refused, sends nothing" \
  'echo "$dry" | grep -q "NOT a guardian signer" && echo "$dry" | grep -q "nothing sent"'
check "a non-guardian's escrow is refused by the chain" \
  '"$yuma" gov guardian escrow --netuid 1 --blocks 3 --statement "mallory" --wallet keys --hotkey mallory $w $rpc 2>&1 | grep -q "not an active guardian signer"'

# The escrow: proposed by alice, approved by four more, rationale by bob.
check "alice proposes the escrow" \
  '"$yuma" gov guardian escrow --netuid 1 --blocks 400 --statement "validator exploit in subnet 1 (bug #1)" --wallet keys --hotkey alice $w $rpc >/dev/null'
for n in bob charlie dave; do "$yuma" gov guardian approve --action 1 --wallet keys --hotkey $n $w $rpc >/dev/null; done
pending=$("$yuma" gov guardian list --json $rpc)
check "four signatures: still pending" 'echo "$pending" | grep -q "\"status\": \"pending\""'
check "eve's approval puts it into effect" '"$yuma" gov guardian approve --action 1 --wallet keys --hotkey eve $w $rpc >/dev/null'
check "approving twice is refused" \
  '"$yuma" gov guardian approve --action 1 --wallet keys --hotkey eve $w $rpc 2>&1 | grep -q "no longer collecting approvals"'
check "bob posts the rationale" \
  '"$yuma" gov guardian rationale --action 1 --text "transparency report: the exploit and the fix" --wallet keys --hotkey bob $w $rpc >/dev/null'
sleep 1
list=$("$yuma" gov guardian list $rpc)
check "the action is active with its rationale and holds alpha" \
  'echo "$list" | grep "^action 1" | grep -q "escrow .*active .*netuid 1.*rationale posted.*alpha held"'

log=$("$yuma" gov log $rpc)
check "the log shows the escrow and the rationale" \
  'echo "$log" | grep -q "emergency .*netuid 1 .*escrow_on" && echo "$log" | grep -q "emergency .*netuid 1 .*rationale"'
json=$("$yuma" gov log --json --netuid 1 $rpc)
check "gov log --json: entries with hashes" 'echo "$json" | grep -q "\"prev_entry_hash\"" && echo "$json" | grep -q "\"event\": \"escrow_on\""'
check "gov log --verify: intact" '"$yuma" gov log --verify $rpc | grep -q "hash chain intact"'
check "gov log --verify --json: ok" '"$yuma" gov log --verify --json $rpc | grep -q "\"ok\": true"'
check "gov log past the last entry: the node's message" \
  '"$yuma" gov log --from 999999 $rpc 2>&1 | grep -q "is past the last entry"'
check "gov log --verify refuses a range: exit 2" '"$yuma" gov log --verify --from 1 $rpc 2>/dev/null; [ $? = 2 ]'
hist=$("$yuma" gov history --netuid 1 $rpc)
check "the emission history shows the escrow" 'echo "$hist" | grep -q "emergency escrow"'
metrics=$("$yuma" gov metrics $rpc)
check "gov metrics: the houses, root and the subnet" \
  'echo "$metrics" | grep -q "^stake house" && echo "$metrics" | grep -q "^council" && echo "$metrics" | grep -q "^subnet 1" && echo "$metrics" | grep -q "House S NC(1/2)"'
check "gov metrics --netuid 9: no such subnet" '"$yuma" gov metrics --netuid 9 $rpc 2>&1 | grep -q "no subnet 9"'
stop_node
[ $failed = 0 ] || tail -n 20 "$dir/yumad.log"
node_summary
