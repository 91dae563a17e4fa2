# node_lib.sh - the preamble the tests/cli_*.sh scripts that run a yumad
# (and other processes) in the background share, sourced after `set -u` as
#
#     SRC=${2:?usage: bash tests/cli_NAME.sh PATH/TO/yuma SOURCE_DIR}
#     . "$SRC/tests/lib/node_lib.sh"
#
# It sets yuma (the first argument) and yumad (next to it), makes a
# temporary directory dir, keeps the counts (passed, failed) with check,
# starts a yumad and waits until it answers (start_node, wait_for_rpc),
# stops it (stop_node) and prints the summary (node_summary). On exit it
# stops the node if it still runs, then runs the script's on_exit if it
# defines one (to stop processes of its own) and removes dir, unless
# keep_dir is set (a script sets it from its own variable, to look at the
# logs afterwards). It lives under tests/lib/ so that CMake's
# tests/cli_*.sh glob does not run it as a test of its own; the scripts
# that check refusals only use tests/lib/cli_lib.sh instead.

yuma=${1:?usage: bash $0 PATH/TO/yuma SOURCE_DIR}
yumad="$(dirname "$yuma")/yumad"
dir=$(mktemp -d)
node=
keep_dir=
passed=0 failed=0

node_lib_exit() {
    [ -n "$node" ] && kill "$node" 2>/dev/null
    declare -F on_exit >/dev/null && on_exit
    if [ -n "$keep_dir" ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap node_lib_exit EXIT

# check NAME EXPR: EXPR (a shell expression, evaluated where check is
# called) counts as a passed check if it succeeds; else "FAILED: NAME".
check() { if eval "$2"; then passed=$((passed + 1)); else echo "FAILED: $1"; failed=$((failed + 1)); fi; }

# wait_for_rpc URL: true once a node answers `yuma block` at URL, false if
# none does within 20 s.
wait_for_rpc() {
    for _ in $(seq 200); do
        "$yuma" block --rpc "$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# start_node LOG ARGS...: `yumad ARGS...` in the background (give it
# --rpc-port 0 to have it pick a free port), its output in LOG; sets node
# (its pid), port and url (http://127.0.0.1:PORT/) from the address it
# prints, and waits until it answers there. False, with port and url
# empty, if it stopped or printed no address within 20 s, or if it does
# not answer.
start_node() {
    local log=$1
    shift
    "$yumad" "$@" >"$log" 2>&1 &
    node=$!
    port= url=
    for _ in $(seq 400); do
        port=$(sed -n 's|.*JSON-RPC on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
        [ -n "$port" ] && break
        kill -0 "$node" 2>/dev/null || break # it stopped: no use waiting
        sleep 0.05
    done
    [ -n "$port" ] || return 1
    url="http://127.0.0.1:$port/"
    wait_for_rpc "$url"
}

# stop_node: stops the node start_node started and waits for it to exit.
stop_node() {
    kill "$node" 2>/dev/null
    wait "$node" 2>/dev/null
    node=
}

# node_summary: the counts as the last line; fails the script if any check did.
node_summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
