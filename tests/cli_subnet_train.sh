#!/usr/bin/env bash
# cli_subnet_train.sh - `yuma subnet train sim`: every bad flag or unusable
# input exits 2 with one line on stderr ("yuma subnet train sim: ...") and
# nothing on stdout; short real runs on a small synthetic corpus print one
# line per window (and per miner), write the CSV, leave the artefact store
# of §7.2 behind when --store is given, and replay bit for bit from a seed;
# the baselines run through the same loop.
#
# usage: bash tests/cli_subnet_train.sh PATH/TO/yuma SOURCE_DIR
set -u

SRC=${2:?usage: bash tests/cli_subnet_train.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/cli_lib.sh"
REFUSAL_PREFIX="yuma subnet train sim: "

write_corpus 700 # 700 lines, about 60 KB
head -c 2500 "$TMP/corpus.txt" >"$TMP/small.txt" # 35 training samples of 65 bytes: fewer than a pool of 40
mkdir -p "$TMP/full" && echo x >"$TMP/full/leftover"

# expect_error NAME WANT ARGS...: `yuma subnet train sim ARGS` exits 2,
# nothing on stdout, one line on stderr starting "yuma subnet train sim: "
# and containing WANT.
expect_error() {
    local name=$1 want=$2
    shift 2
    refused_as "$name" 2 "$want" subnet train sim "$@"
}

C=(--corpus "$TMP/corpus.txt")
expect_error unknown "unknown option '--bogus'" --bogus 1
expect_error missing_value "missing value after --windows" --windows
expect_error config "--config must be T0, T1 or T2, not 'T9'" --config T9
expect_error windows_zero "--windows must be 1..100000, not '0'" --windows 0
expect_error windows_text "--windows must be 1..100000, not 'ten'" --windows ten
expect_error miners_big "--miners must be 0..16, not '17'" --miners 17
expect_error validators_zero "--validators must be 1..8, not '0'" --validators 0
expect_error validators_big "--validators must be 1..8, not '9'" --validators 9
expect_error seed_negative "--seed must be an integer 0..2^64-1, not '-1'" --seed -1
expect_error kind "--adversary kind must be noise, noise100, copier, lazy, freerider, stale, zero, late, skipper or desync, not 'bogus'" --adversary bogus
expect_error kind_honest "not 'honest'" --adversary honest
expect_error adv_uid "--adversary 'noise:99': uid '99' is not 0..15" --adversary noise:99
expect_error adv_uid_empty "--adversary 'noise:': no uid after ':'" --adversary noise:
expect_error adv_range "the window range must be @FROM or @FROM-UNTIL with FROM < UNTIL" --adversary desync@5-5
expect_error adv_range_text "the window range must be" --adversary desync@x
expect_error adv_outside "adversary uid 9 is not below the 5 miners" --adversary noise:9
expect_error adv_twice "uid 1 is given two adversary roles" --adversary noise:1 --adversary lazy:1
expect_error too_many "17 miners in all (honest plus adversaries); at most 16" --miners 16 --adversary noise
expect_error no_miners "no miners: --miners 0 and no --adversary" --miners 0
expect_error copier_alone "a copier needs a victim: give --victim UID" --miners 0 --adversary copier
expect_error victim_self "--victim 4 must be another miner (0..4)" --adversary copier --victim 4
expect_error mode "--mode must be sparse, dense, single or central, not 'fast'" --mode fast
expect_error mode_adv "adversaries need the sparse mode" "${C[@]}" --mode dense --adversary lazy
expect_error threads "--threads must be 1..64, not '0'" --threads 0
expect_error lr "--lr must be a number in (0, 1], not '0'" --lr 0
expect_error lr_nan "--lr must be a number in (0, 1], not 'nan'" --lr nan
expect_error alpha "--alpha must be a number in (0, 1], not '0'" --alpha 0
expect_error e_rand "--e-rand must be 32..4096, not '16'" --e-rand 16
expect_error e_own "--e-own 41 exceeds the pool of H * B = 40 sequences" --e-own 41
expect_error eval_factor "--eval-factor must be in (0, 10], not '11'" --eval-factor 11
expect_error gather "--gather must be 1..16, not '0'" --gather 0
expect_error tempo "--tempo must be 1..65535, not '0'" --tempo 0
expect_error heldout_windows "--heldout-windows must be 1..256, not '0'" --heldout-windows 0
expect_error inner_steps "--inner-steps must be 1..10000, not '0'" --inner-steps 0
expect_error batch "--batch must be 1..4096, not '0'" --batch 0
expect_error store_empty "--store needs a directory" --store ""
expect_error csv_empty "--csv needs a file name" --csv ""
expect_error no_corpus "cannot open corpus $TMP/none.txt" --corpus "$TMP/none.txt"
expect_error no_corpus_hint "scripts/get-corpus.sh" --corpus "$TMP/none.txt"
expect_error tiny_corpus "has 9 bytes, needs at least 20" --corpus "$TMP/tiny.txt"
expect_error small_corpus "fewer than the 40 a pool needs" --corpus "$TMP/small.txt"
expect_error store_full "store $TMP/full is not empty" "${C[@]}" --store "$TMP/full"
expect_error csv_dir "cannot write --csv $TMP/no/such/dir.csv" "${C[@]}" --csv "$TMP/no/such/dir.csv"

# no subcommand, an unknown one, --help
"$YUMA" subnet train >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && ! [ -s "$TMP/out" ] && grep -q '^usage: yuma subnet train sim' "$TMP/err" && ok ||
    bad "no subcommand: $(head -c 200 "$TMP/err")"
"$YUMA" subnet train bogus >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "unknown subcommand 'bogus'" "$TMP/err" && ok || bad "unknown subcommand: $(cat "$TMP/err")"
if "$YUMA" subnet train sim --help >"$TMP/out" 2>"$TMP/err" && grep -q '^usage: yuma subnet train sim' "$TMP/out" &&
    ! [ -s "$TMP/err" ]; then
    ok
else
    bad "--help: $(head -c 200 "$TMP/out") $(head -c 200 "$TMP/err")"
fi

# A real run: T0, 3 windows, 2 honest miners, a noise miner and a copier, 2 validators.
R=("${C[@]}" --windows 3 --miners 2 --adversary noise --adversary copier --validators 2 --inner-steps 2
    --heldout-windows 8 --seed 7)
if ! "$YUMA" subnet train sim "${R[@]}" --store "$TMP/store" --csv "$TMP/a.csv" >"$TMP/a.out" 2>"$TMP/err"; then
    bad "run failed: $(cat "$TMP/err")"
else
    [ "$(grep -c '^window ' "$TMP/a.out")" -eq 3 ] && ok || bad "want 3 window lines: $(cat "$TMP/a.out")"
    [ "$(grep -c '^ *[0-9] \(honest\|noise\|copier\)' "$TMP/a.out")" -eq 12 ] && ok ||
        bad "want 4 miner lines per window: $(cat "$TMP/a.out")"
    grep -q '^# done: 3 windows' "$TMP/a.out" && grep -q '^# emissions (rao):.*validators: 4:[0-9]* 5:[0-9]*' "$TMP/a.out" &&
        ok || bad "summary: $(tail -n 3 "$TMP/a.out")"
    # held-out loss: about ln 256 at first, falling, bits = nats / ln 2
    awk '/^window/ { n = $4; b = $6; if (NR == 3 && !(n > 4.5 && n < 5.6)) bad = 1; if ((b - n / log(2))^2 > 1e-6) bad = 1;
                     if (last != "" && !(n < last)) bad = 1; last = n } END { exit bad }' "$TMP/a.out" && ok ||
        bad "held-out losses: $(grep '^window' "$TMP/a.out")"
    head -n 1 "$TMP/a.csv" | grep -q '^window,heldout_nats,heldout_bits,uid,kind,upload,' && [ "$(wc -l <"$TMP/a.csv")" -eq 13 ] &&
        ok || bad "csv: $(cat "$TMP/a.csv")"
    # the store of §7.2: per-uid buckets, stamps in .meta, the lead's (uid 4) files
    for f in 0/gradient-0-0.bin 0/gradient-0-0.bin.meta 0/debug-2-0.bin 3/gradient-2-3.bin 4/peers-0.txt 4/ckpt-0.bin \
        4/aggregator-2.bin 5/debug-2-5.bin; do
        [ -s "$TMP/store/$f" ] && ok || bad "store lacks $f: $(ls -R "$TMP/store" | head -30)"
    done
    grep -qx 'block 10' "$TMP/store/0/gradient-0-0.bin.meta" && grep -qx 'block 11' "$TMP/store/3/gradient-0-3.bin.meta" &&
        ok || bad "stamps: $(cat "$TMP/store/0/gradient-0-0.bin.meta" "$TMP/store/3/gradient-0-3.bin.meta")"
    ! ls "$TMP/store"/*/*.tmp* >/dev/null 2>&1 && ok || bad "temporary files left in the store"
    # the same seed again (temporary store): the same CSV to the byte; another seed differs
    "$YUMA" subnet train sim "${R[@]}" --csv "$TMP/b.csv" >"$TMP/b.out" 2>"$TMP/err" && cmp -s "$TMP/a.csv" "$TMP/b.csv" &&
        ok || bad "seed 7 twice: $(diff "$TMP/a.csv" "$TMP/b.csv" | head -5) $(cat "$TMP/err")"
    [ "$(grep -o 'model [0-9a-f]*' "$TMP/a.out")" = "$(grep -o 'model [0-9a-f]*' "$TMP/b.out")" ] && ok ||
        bad "model hashes differ"
    "$YUMA" subnet train sim "${R[@]}" --seed 8 --csv "$TMP/c.csv" >/dev/null 2>"$TMP/err" && ! cmp -s "$TMP/a.csv" "$TMP/c.csv" &&
        ok || bad "seeds 7 and 8 gave the same CSV $(cat "$TMP/err")"
fi

# The baselines: one line per window, no per-miner rows, one CSV row per window.
for mode in dense single central; do
    if "$YUMA" subnet train sim "${C[@]}" --mode $mode --windows 2 --miners 2 --inner-steps 2 --heldout-windows 8 \
        --csv "$TMP/$mode.csv" >"$TMP/out" 2>"$TMP/err"; then
        [ "$(grep -c '^window ' "$TMP/out")" -eq 2 ] && grep -q "mode $mode" "$TMP/out" &&
            [ "$(wc -l <"$TMP/$mode.csv")" -eq 3 ] && ok || bad "$mode: $(cat "$TMP/out")"
    else
        bad "$mode failed: $(cat "$TMP/err")"
    fi
done

cli_summary
