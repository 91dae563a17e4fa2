# cli_lib.sh - the preamble the tests/cli_*.sh scripts that check `yuma`'s
# refusals share, sourced after `set -u` as
#
#     SRC=${2:?usage: bash tests/cli_NAME.sh PATH/TO/yuma SOURCE_DIR}
#     . "$SRC/tests/lib/cli_lib.sh"
#
# It sets YUMA and SRC to absolute paths, makes a temporary directory TMP
# (removed on exit) and works in it, with HOME there too and no
# YUMA_PASSWORD (a test never reads the user's wallets); it keeps the
# counts (ok, bad), checks refusals (refused_as, refused), writes a small
# corpus (write_corpus) and prints the summary (cli_summary). It lives
# under tests/lib/ so that CMake's tests/cli_*.sh glob does not run it as
# a test of its own.

YUMA=${1:?usage: bash $0 PATH/TO/yuma SOURCE_DIR}
YUMA=$(cd "$(dirname "$YUMA")" && pwd)/$(basename "$YUMA")
SRC=$(cd "$SRC" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
export HOME=$TMP
unset YUMA_PASSWORD

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}

# REFUSAL_PREFIX: where a script sets it, a refusal's stderr must be
# exactly one line, and that line must start with it; otherwise stderr may
# go on (a usage page) after the first line.
# state_snapshot: where a script defines it, its output must be the same
# before and after each refusal (the refused command changed nothing).

# refused_as LABEL STATUS WANT ARGS...: `yuma ARGS`, with no input, exits
# with STATUS, prints nothing on stdout and WANT on stderr's first line.
# Its output is left in $TMP/out and $TMP/err; failures are named LABEL.
refused_as() {
    local label=$1 status=$2 want=$3
    shift 3
    local before="" after=""
    declare -F state_snapshot >/dev/null && before=$(state_snapshot)
    "$YUMA" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    local rc=$?
    declare -F state_snapshot >/dev/null && after=$(state_snapshot)
    local first
    first=$(head -n 1 "$TMP/err")
    if [ "$rc" -ne "$status" ]; then
        bad "$label: exit status $rc, want $status ($(head -c 300 "$TMP/err"))"
    elif [ -s "$TMP/out" ]; then
        bad "$label: wrote to stdout: $(head -c 200 "$TMP/out")"
    elif [ -n "${REFUSAL_PREFIX+set}" ] && [ "$(wc -l <"$TMP/err")" -ne 1 ]; then
        bad "$label: stderr has $(wc -l <"$TMP/err") lines, want 1: $(cat "$TMP/err")"
    elif [[ "$first" != "${REFUSAL_PREFIX:-}"* ]]; then
        bad "$label: stderr '$first' does not start with '${REFUSAL_PREFIX:-}'"
    elif [[ "$first" != *"$want"* ]]; then
        bad "$label: stderr '$first' lacks '$want'"
    elif [ "$before" != "$after" ]; then
        bad "$label: changed the files it must leave alone"
    else
        ok
    fi
}

# refused WANT ARGS...: refused_as with status 2 (bad usage), named by the
# command line.
refused() {
    local want=$1
    shift
    refused_as "yuma $*" 2 "$want" "$@"
}

# write_corpus LINES: a small training corpus of LINES numbered lines of
# English in $TMP/corpus.txt (about 83 bytes each), and $TMP/tiny.txt
# (9 bytes, too short for any corpus).
write_corpus() {
    local i
    for i in $(seq 1 "$1"); do
        echo "In the beginning God created the heaven and the earth; line $i of the test corpus."
    done >"$TMP/corpus.txt"
    printf 'too short' >"$TMP/tiny.txt"
}

# cli_summary: the counts as the last line; fails the script if any check did.
cli_summary() {
    echo "$(basename "$0" .sh): $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
