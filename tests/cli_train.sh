#!/usr/bin/env bash
# cli_train.sh - `yuma train`: every bad flag or unusable input exits 2 with
# one line on stderr ("yuma train: ...") and nothing on stdout; a short real
# run (T0 on a small synthetic corpus) lowers the held-out loss from about
# ln 256, reports every K steps in JSON and CSV, and the same seed gives the
# same model on 1 and 2 threads.
#
# usage: bash tests/cli_train.sh PATH/TO/yuma SOURCE_DIR
set -u

SRC=${2:?usage: bash tests/cli_train.sh PATH/TO/yuma SOURCE_DIR}
. "$SRC/tests/lib/cli_lib.sh"
REFUSAL_PREFIX="yuma train: "

write_corpus 400 # 400 lines, about 32 KB
head -c 1000 "$TMP/corpus.txt" >"$TMP/small.txt" # 7 samples of 129 bytes: fewer than a T1 batch

# expect_error NAME WANT ARGS...: `yuma train ARGS` exits 2, nothing on
# stdout, one line on stderr starting "yuma train: " and containing WANT.
expect_error() {
    local name=$1 want=$2
    shift 2
    refused_as "$name" 2 "$want" train "$@"
}

C=(--corpus "$TMP/corpus.txt")
expect_error unknown "unknown option '--bogus'" --bogus 1
expect_error config "--config must be T0, T1 or T2, not 'T9'" --config T9
expect_error config_case "--config must be T0, T1 or T2, not 't0'" --config t0
expect_error steps_zero "--steps must be 1..10000000, not '0'" --steps 0
expect_error steps_text "--steps must be 1..10000000, not 'ten'" --steps ten
expect_error steps_negative "--steps must be 1..10000000, not '-5'" --steps -5
expect_error steps_huge "--steps must be 1..10000000" --steps 99999999999999999999
expect_error batch_zero "--batch must be 1..4096, not '0'" --batch 0
expect_error batch_big "--batch must be 1..4096, not '5000'" --batch 5000
expect_error lr_zero "--lr must be a number in (0, 1], not '0'" --lr 0
expect_error lr_negative "--lr must be a number in (0, 1], not '-0.1'" --lr -0.1
expect_error lr_big "--lr must be a number in (0, 1], not '2'" --lr 2
expect_error lr_nan "--lr must be a number in (0, 1], not 'nan'" --lr nan
expect_error lr_text "--lr must be a number in (0, 1], not '1e-3x'" --lr 1e-3x
expect_error seed_negative "--seed must be an integer 0..2^64-1, not '-1'" --seed -1
expect_error seed_big "--seed must be an integer" --seed 18446744073709551616
expect_error eval_negative "--eval-every must be 0..10000000, not '-1'" --eval-every -1
expect_error threads_zero "--threads must be 1..64, not '0'" --threads 0
expect_error threads_big "--threads must be 1..64, not '65'" --threads 65
expect_error missing_value "missing value after --steps" --steps
# (--steps 1: a check that wrongly passed would not train for long)
expect_error no_corpus "cannot open corpus $TMP/none.txt" --steps 1 --corpus "$TMP/none.txt"
expect_error no_corpus_hint "scripts/get-corpus.sh" --steps 1 --corpus "$TMP/none.txt"
expect_error tiny_corpus "has 9 bytes, needs at least 20" --steps 1 --corpus "$TMP/tiny.txt"
expect_error corpus_dir "corpus $TMP" --steps 1 --corpus "$TMP"
expect_error small_corpus "is too small for T1: 7 training samples" --steps 1 --corpus "$TMP/small.txt" --config T1
expect_error big_batch "for a batch of 4000" --steps 1 "${C[@]}" --batch 4000
expect_error csv_dir "cannot write --csv $TMP/no/such/dir.csv" --steps 1 "${C[@]}" --csv "$TMP/no/such/dir.csv"
expect_error csv_empty "--csv needs a file name" --steps 1 "${C[@]}" --csv ""
expect_error bench_lr "unknown option '--lr'" bench --lr 0.1
expect_error bench_config "--config must be T0, T1 or T2" bench --config X

# --help: usage on stdout, status 0
if "$YUMA" train --help >"$TMP/out" 2>"$TMP/err" && grep -q '^usage: yuma train' "$TMP/out" && ! [ -s "$TMP/err" ]; then
    ok
else
    bad "--help: $(head -c 200 "$TMP/out") $(head -c 200 "$TMP/err")"
fi

# A real run: T0, 40 steps, reports at 0, 20 and 40.
field() { # field NAME LINE: the number after "NAME": in a JSON line
    sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" <<<"$2"
}
run() { # run OUTPUT ARGS...
    local out=$1
    shift
    "$YUMA" train "${C[@]}" --config T0 --steps 40 --batch 8 --lr 0.01 --eval-every 20 --json "$@" >"$out" 2>"$TMP/err"
}
if ! run "$TMP/a.json" --seed 7 --threads 2 --csv "$TMP/a.csv"; then
    bad "training run failed: $(cat "$TMP/err")"
else
    lines=$(grep -c '"step"' "$TMP/a.json")
    [ "$lines" -eq 3 ] && ok || bad "want 3 reports (steps 0, 20, 40), got $lines: $(cat "$TMP/a.json")"
    first=$(field heldout_nats "$(head -n 1 "$TMP/a.json")")
    last=$(field heldout_nats "$(grep '"step":40' "$TMP/a.json")")
    bits=$(field heldout_bits "$(grep '"step":40' "$TMP/a.json")")
    # an untrained model is near ln 256 = 5.545 nats; 40 steps on this
    # repetitive text must take off well over a nat
    if awk -v a="$first" -v b="$last" -v c="$bits" 'BEGIN { exit !(a > 5.3 && a < 5.8 && b < a - 1.0 && (c - b / log(2))^2 < 1e-8) }'; then
        ok
    else
        bad "held-out loss $first -> $last nats ($bits bits): want a fall of over 1 nat from about 5.55"
    fi
    grep -q '"done":true' "$TMP/a.json" && ok || bad "no summary line: $(tail -n 1 "$TMP/a.json")"
    # valid JSON numbers only: the step-0 training loss is null, never nan
    ! grep -qi 'nan\|inf' "$TMP/a.json" && grep -q '"step":0,"train_loss":null' "$TMP/a.json" && ok ||
        bad "JSON has a non-number: $(cat "$TMP/a.json")"
    rows=$(wc -l <"$TMP/a.csv")
    head -n 1 "$TMP/a.csv" | grep -q '^step,train_loss,heldout_nats,heldout_bits,lr,tokens_per_s$' && [ "$rows" -eq 4 ] &&
        ok || bad "csv: $rows lines: $(cat "$TMP/a.csv")"
    # the same seed on 1 thread: the same model, bit for bit
    if run "$TMP/b.json" --seed 7 --threads 1; then
        ha=$(sed -n 's/.*"model_hash":"\([0-9a-f]*\)".*/\1/p' "$TMP/a.json")
        hb=$(sed -n 's/.*"model_hash":"\([0-9a-f]*\)".*/\1/p' "$TMP/b.json")
        [ -n "$ha" ] && [ "$ha" = "$hb" ] && ok || bad "seed 7 on 1 and 2 threads: model $ha vs $hb"
        # and the held-out losses agree exactly
        diff <(grep -o '"heldout_nats":[0-9.]*' "$TMP/a.json") <(grep -o '"heldout_nats":[0-9.]*' "$TMP/b.json") >/dev/null &&
            ok || bad "held-out losses differ between 1 and 2 threads"
    else
        bad "second run failed: $(cat "$TMP/err")"
    fi
    if run "$TMP/c.json" --seed 8 --threads 2; then
        hc=$(sed -n 's/.*"model_hash":"\([0-9a-f]*\)".*/\1/p' "$TMP/c.json")
        [ "$ha" != "$hc" ] && ok || bad "seeds 7 and 8 gave the same model"
    else
        bad "third run failed: $(cat "$TMP/err")"
    fi
fi

# Text output: a header and one line per report.
if "$YUMA" train "${C[@]}" --steps 2 --eval-every 1 --threads 1 >"$TMP/out" 2>"$TMP/err"; then
    [ "$(grep -c '^ *[0-9]' "$TMP/out")" -eq 3 ] && grep -q '^# done: held-out' "$TMP/out" && ok ||
        bad "text output: $(cat "$TMP/out")"
else
    bad "text run failed: $(cat "$TMP/err")"
fi

cli_summary
