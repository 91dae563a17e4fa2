#!/usr/bin/env bash
# Crash safety of yumad: 50 times, a node under transaction load is killed
# with SIGKILL at a random moment; after each kill the data directory must
# verify (the stored state equals a replay of the stored blocks from
# genesis) and hold every block the node had reported over RPC before the
# kill (a reported block is committed: the node announces only after the
# SQLite commit). Bounded: about a second per round.
# Usage: cli_node_crash.sh <path-to-yuma> <source-dir> [rounds]
set -u
SRC=${2:?usage: bash tests/cli_node_crash.sh PATH/TO/yuma SOURCE_DIR [rounds]}
. "$SRC/tests/lib/node_lib.sh"
# 50 kills (the issue's minimum) in the Release build; the sanitizer build
# (YUMA_TEST_QUICK=1, scripts/test.sh) checks the same property with 15.
rounds=${3:-$([ "${YUMA_TEST_QUICK:-0}" = 1 ] && echo 15 || echo 50)}
on_exit() { kill -9 $(jobs -p) 2>/dev/null; }
RANDOM=42

head_height() {
  YUMA_RPC_NO_RETRY=1 "$yuma" block --rpc "http://127.0.0.1:$1/" 2>/dev/null | sed -n 's/.*"height": *\([0-9]*\).*/\1/p' | head -n 1
}

unanswered=0
for round in $(seq 1 "$rounds"); do
  # Port 0: the node picks a free port and prints it.
  if ! start_node "$dir/node.log" --data "$dir/data" --dev --rpc-port 0 --block-ms 50; then
    echo "round $round: node did not start: $(cat "$dir/node.log")"
    failed=$((failed + 1))
    kill -9 $node 2>/dev/null; wait $node 2>/dev/null; node=
    continue
  fi
  "$yuma" bench node --rpc "$url" --senders 16 --per-sender 16 --batch 64 >/dev/null 2>&1 &
  load=$!
  sleep "0.$((RANDOM % 8 + 1))"
  reported=$(head_height "$port")
  if [ -z "$reported" ]; then
    # The query itself failed (a loaded machine, the node still loading):
    # the node reported nothing this round, so any stored height will do.
    unanswered=$((unanswered + 1))
    reported=0
  fi
  kill -9 $node 2>/dev/null
  wait $node 2>/dev/null
  node=
  kill -9 $load 2>/dev/null
  wait $load 2>/dev/null
  out=$("$yumad" --data "$dir/data" --verify 2>&1); vstatus=$?
  if [ -z "$out" ]; then
    # Seen once in CI on a loaded machine: no output at all. Say so, keep a
    # copy of the data for a post-mortem, and verify again.
    echo "round $round: verify printed nothing (exit $vstatus); copy in /tmp/crash-round-$round; retrying"
    cp -r "$dir/data" "/tmp/crash-round-$round" 2>/dev/null
    out=$("$yumad" --data "$dir/data" --verify 2>&1); vstatus=$?
  fi
  stored=$(echo "$out" | sed -n 's/.*at height \([0-9]*\).*/\1/p')
  if [ -z "$stored" ] || [ -z "$reported" ] || [ "$stored" -lt "$reported" ]; then
    echo "round $round: FAILED: reported height ${reported:-?}, verify exit $vstatus, after restart: $out"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
done
echo "final height $stored after $rounds kills ($unanswered rounds where the head query got no answer)"
check_unanswered=$((unanswered * 2 <= rounds))
[ $check_unanswered = 1 ] || { echo "FAILED: the head query went unanswered in $unanswered of $rounds rounds"; failed=$((failed + 1)); }
node_summary
