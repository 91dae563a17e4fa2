#!/usr/bin/env bash
# cli_bench_epoch.sh - `yuma bench epoch`: bad --threads / --layout values exit
# 2 with the usage on stderr and nothing on stdout; the same random subnet
# gives the same emissions checksum on every layout and thread count (the
# layouts and the thread pool are meant to change the time, never a byte).
#
# usage: bash tests/cli_bench_epoch.sh PATH/TO/yuma SOURCE_DIR
set -u

SRC=${2:?usage: bash tests/cli_bench_epoch.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/cli_lib.sh"

# expect_error NAME WANT ARGS...: `yuma bench epoch ARGS` exits 2, nothing on
# stdout, WANT on stderr's first line (the usage follows).
expect_error() {
    local name=$1 want=$2
    shift 2
    refused_as "$name" 2 "$want" bench epoch "$@"
}

expect_error threads_zero "--threads must be 1..256" --threads 0
expect_error threads_big "--threads must be 1..256" --threads 257
expect_error threads_text "--threads must be 1..256" --threads two
expect_error layout_bad "--layout must be auto, sparse or dense" --layout rows
expect_error layout_missing "missing value after an option" --layout

# checksum ARGS...: the run's emissions checksum (empty on failure).
checksum() {
    "$YUMA" bench epoch "$@" 2>"$TMP/err" | sed -n 's/.*"checksum":\([0-9]*\).*/\1/p'
}

for yc in "" "--yuma3"; do
    base="--n 500 --validators 40 --density 1 --seed 7 --repeat 2 $yc"
    want=$(checksum $base --layout sparse)
    if [ -z "$want" ]; then
        bad "sparse run failed ($yc): $(head -c 300 "$TMP/err")"
        continue
    fi
    for cfg in "--layout dense" "--layout dense --threads 2" "--layout auto --threads 3" \
        "--layout sparse --threads 2"; do
        got=$(checksum $base $cfg)
        if [ "$got" = "$want" ]; then ok; else bad "$yc $cfg: checksum '$got', sparse gave $want"; fi
    done
done

# A subnet the automatic choice leaves sparse (a quarter of the cells) and
# one it makes dense agree with the forced other layout.
for d in 0.25 0.6; do
    a=$(checksum --n 500 --validators 40 --density $d --seed 3 --repeat 1 --layout auto)
    b=$(checksum --n 500 --validators 40 --density $d --seed 3 --repeat 1 --layout dense)
    c=$(checksum --n 500 --validators 40 --density $d --seed 3 --repeat 1 --layout sparse)
    if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]; then ok; else bad "density $d: $a / $b / $c"; fi
done

cli_summary
