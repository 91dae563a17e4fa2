#!/usr/bin/env bash
# cli_sim_errors.sh - the error contract of `yuma sim` (scenario-format.md):
# malformed or unreadable input and bad usage exit with status 2, print
# nothing on stdout and one line on stderr; good scenarios exit 0 with one
# JSON line per epoch step.
#
# usage: bash tests/cli_sim_errors.sh PATH/TO/yuma SOURCE_DIR
set -u

SRC=${2:?usage: bash tests/cli_sim_errors.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/cli_lib.sh"
REFUSAL_PREFIX="yuma sim: "

# expect_error NAME WANT ARGS...: `yuma sim ARGS` exits 2, nothing on stdout,
# one line on stderr starting "yuma sim: " and containing WANT.
expect_error() {
    local name=$1 want=$2
    shift 2
    refused_as "$name" 2 "$want" sim "$@"
}

# bad_file NAME WANT JSON: writes JSON to a file and expects an error.
bad_file() {
    local name=$1 want=$2 json=$3
    printf '%s' "$json" >"$TMP/$name.json"
    expect_error "$name" "$want" "$TMP/$name.json"
}

B='"n":3,"stake":[1,1,0],"registered_at":[0,0,0],"emission":1000'

bad_file bad_json 'invalid JSON at line' '{"n": 3,'
bad_file not_object 'expected a JSON object' '[1]'
bad_file missing_n 'missing field "n"' '{"stake":[],"registered_at":[],"emission":0,"steps":[]}'
bad_file n_zero 'field "n"' '{"n":0,"stake":[],"registered_at":[],"emission":0,"steps":[]}'
bad_file huge_n_short 'field "stake": array has 1 entries, n is 65535' \
    '{"n":65535,"stake":[1],"registered_at":[0],"emission":0,"steps":[]}'
bad_file stake_len 'field "stake": array has 2 entries, n is 3' \
    '{"n":3,"stake":[1,1],"registered_at":[0,0,0],"emission":0,"steps":[]}'
bad_file stake_2_64 'field "stake": entry 0' \
    '{"n":1,"stake":[18446744073709551615],"registered_at":[0],"emission":0,"steps":[]}'
bad_file stake_sum 'field "stake"' \
    '{"n":2,"stake":[4611686018427387904,4611686018427387904],"registered_at":[0,0],"emission":0,"steps":[]}'
bad_file bma 'hyperparameters: field "bonds_moving_average"' \
    "{\"hyperparameters\":{\"bonds_moving_average\":1000001},$B,\"steps\":[]}"
bad_file unknown_hp 'hyperparameters: unknown field "kapa"' \
    "{\"hyperparameters\":{\"kapa\":1},$B,\"steps\":[]}"
bad_file real_value 'field "emission"' \
    '{"n":1,"stake":[1],"registered_at":[0],"emission":1.5,"steps":[]}'
bad_file decreasing 'steps[1]: field "block": 3 is less than the previous step'"'"'s block 5' \
    "{$B,\"steps\":[{\"block\":5,\"op\":\"epoch\"},{\"block\":3,\"op\":\"epoch\"}]}"
bad_file block_max 'steps[0]' \
    "{$B,\"steps\":[{\"block\":18446744073709551615,\"op\":\"epoch\"}]}"
bad_file negative_block 'steps[0]: field "block"' \
    "{$B,\"steps\":[{\"block\":-3,\"op\":\"epoch\"}]}"
bad_file unknown_op 'steps[0]: field "op": unknown op "vote"' \
    "{$B,\"steps\":[{\"block\":1,\"op\":\"vote\"}]}"
bad_file uid_range 'steps[1] (set_stake): field "uid"' \
    "{$B,\"steps\":[{\"block\":1,\"op\":\"epoch\"},{\"block\":1,\"op\":\"set_stake\",\"uid\":3,\"stake\":1}]}"
bad_file duplicate 'steps[0] (set_weights): field "uids": duplicate uid 2' \
    "{$B,\"steps\":[{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[2,2],\"values\":[1,1]}]}"
bad_file length_mismatch 'steps[0] (set_weights): field "values"' \
    "{$B,\"steps\":[{\"block\":1,\"op\":\"set_weights\",\"uid\":0,\"uids\":[1,2],\"values\":[1]}]}"
bad_file owner_register 'steps[0] (register): field "uid"' \
    '{"n":2,"owner_uid":0,"stake":[1,1],"registered_at":[0,0],"emission":1,"steps":[{"block":1,"op":"register","uid":0,"stake":1}]}'
bad_file missing_field 'steps[0] (reset_bonds): missing field "uid"' \
    "{$B,\"steps\":[{\"block\":1,\"op\":\"reset_bonds\"}]}"
bad_file newline_in_key 'unknown field' \
    $'{"n":1,"a\\nb\\u0001":2}'
# An error in a late step: still nothing on stdout although earlier epochs are fine.
bad_file late_error 'steps[2] (set_weights)' \
    "{$B,\"steps\":[{\"block\":1,\"op\":\"epoch\"},{\"block\":2,\"op\":\"epoch\"},{\"block\":3,\"op\":\"set_weights\",\"uid\":0,\"uids\":[9],\"values\":[1]}]}"

# Usage and I/O errors.
expect_error unreadable "$TMP/does-not-exist.json" "$TMP/does-not-exist.json"
expect_error directory "cannot read" "$TMP"
expect_error no_file "no scenario file"
expect_error unknown_flag "unknown option '--tabel'" --tabel "$SRC/examples/subnet.json"
expect_error two_files "more than one" "$SRC/examples/subnet.json" "$SRC/examples/subnet.json"
printf '{"n":' >"$TMP/stdin_bad.json"
"$YUMA" sim - <"$TMP/stdin_bad.json" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then ok; else bad "stdin_bad: rc=$rc"; fi

# Good scenarios: exit 0, one JSON line per epoch step, nothing on stderr.
for ex in subnet inactive_validator registration_inherits_bonds; do
    f="$SRC/examples/$ex.json"
    epochs=$(grep -o '"op" *: *"epoch"' "$f" | wc -l)
    "$YUMA" sim "$f" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    lines=$(wc -l <"$TMP/out")
    if [ "$rc" -ne 0 ]; then
        bad "$ex: exit status $rc: $(cat "$TMP/err")"
    elif [ -s "$TMP/err" ]; then
        bad "$ex: stderr not empty: $(cat "$TMP/err")"
    elif [ "$lines" -ne "$epochs" ] || [ "$epochs" -eq 0 ]; then
        bad "$ex: $lines output lines, $epochs epoch steps"
    elif grep -qv '^{"block":[0-9]*,"consensus":\[[0-9,]*\],"incentive":\[[0-9,]*\],"dividends":\[[0-9,]*\],"validator_trust":\[[0-9,]*\],"emission":\[[0-9,]*\],"server_emission":\[[0-9,]*\],"validator_emission":\[[0-9,]*\],"validator_permit":\[[a-z,]*\],"active":\[[a-z,]*\],"bonds":\[[][0-9,]*\]}$' "$TMP/out"; then
        bad "$ex: a line does not have the result format: $(head -c 300 "$TMP/out")"
    else
        ok
    fi
    # The same through standard input.
    "$YUMA" sim - <"$f" >"$TMP/out2" 2>/dev/null
    if [ $? -eq 0 ] && cmp -s "$TMP/out" "$TMP/out2"; then ok; else bad "$ex: stdin differs from file"; fi
done

# The spec §6 vectors through the CLI (their documented values).
"$YUMA" sim "$SRC/examples/inactive_validator.json" | tail -n 1 >"$TMP/last"
if grep -qF '"dividends":[43689,21844,0,0,0]' "$TMP/last" &&
    grep -qF '"emission":[333333333,166666666,0,250000000,250000000]' "$TMP/last"; then ok; else
    bad "inactive_validator: last line $(cat "$TMP/last")"
fi
"$YUMA" sim "$SRC/examples/registration_inherits_bonds.json" | tail -n 1 >"$TMP/last"
if grep -qF '"dividends":[47870,17664,0,0]' "$TMP/last" && grep -qF '"bonds":[[[2,17759]]' "$TMP/last"; then ok; else
    bad "registration_inherits_bonds: last line $(cat "$TMP/last")"
fi

# --table: one block header per epoch, one row per uid, no JSON.
"$YUMA" sim --table "$SRC/examples/subnet.json" >"$TMP/out" 2>"$TMP/err"
rc=$?
headers=$(grep -c '^epoch at block ' "$TMP/out")
rows=$(grep -cE '^ *[0-9]+ +[0-9]+ +(yes|no) +(yes|no) ' "$TMP/out")
if [ "$rc" -eq 0 ] && [ "$headers" -eq 10 ] && [ "$rows" -eq 80 ] && ! grep -q '{' "$TMP/out" &&
    grep -qE '^ +0 .* 0\.[0-9]{4} +[0-9.]{6} ' "$TMP/out"; then ok; else
    bad "--table: rc=$rc headers=$headers rows=$rows"
fi

# --help
if "$YUMA" sim --help | grep -q '^usage: yuma sim'; then ok; else bad "--help"; fi

cli_summary
