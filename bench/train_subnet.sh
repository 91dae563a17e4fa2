#!/usr/bin/env bash
# bench/train_subnet.sh - the training subnet's figures (issue 6; training-
# subnet.md §7.9 and the measured calibration at the top of §7), outside CI:
#
#   adversaries  the §7.10 criteria on seeds 1 2 3 (T0, 40 windows): the CI
#                test binary with YUMA_TRAINSIM_SEEDS="1 2 3"
#   runs         T1 held-out loss through `yuma subnet train sim`: the subnet
#                (sparse), dense averaging (outer lr 1, no momentum), a single
#                miner and the centralized run on the union of the pools, for
#                every seed and inner lr; one CSV per run in OUT
#   summary      from the CSVs in OUT: end loss per mode and lr (mean and range
#                over seeds), each mode at its tuned lr (the lowest mean), the
#                gated comparisons (subnet <= dense + 0.03, subnet <= single -
#                0.05), the ratio to centralized, bytes per miner per window
#                against the dense update, and the plot docs/train_subnet_t1.png
#                (gnuplot, bench/train_subnet.gp) of the curves at the tuned lrs
#
# The runs are deterministic (a seed gives the same bits on any machine and
# thread count), so they may run elsewhere and be summarised here.
#
# usage: bench/train_subnet.sh [adversaries|runs|summary|all] [options]
#   --yuma PATH      the yuma binary (default build/yuma)
#   --tests DIR      where test_trainsim_adversaries is (default build/tests)
#   --out DIR        CSVs and the summary (default build-bench/train_subnet, git-ignored)
#   --config C       T1 (default) or T0
#   --windows N      windows per run (default 60)
#   --seeds "S..."   (default "1 2 3")
#   --lrs "X..."     inner learning rates (default "0.004 0.008")
#   --modes "M..."   (default "sparse dense single central")
#   --jobs J         runs at once, one thread each (default: the number of CPUs)
#   --heldout-every K  held-out loss every K windows (default 3)
#   --plot PNG       (default docs/train_subnet_t1.png)
set -euo pipefail
cd "$(dirname "$0")/.."

what=all
case "${1:-}" in adversaries | runs | summary | all) what=$1; shift ;; esac
yuma=build/yuma
tests=build/tests
out=build-bench/train_subnet
config=T1
windows=60
seeds="1 2 3"
lrs="0.004 0.008"
modes="sparse dense single central"
jobs=$(nproc)
every=3
plot=docs/train_subnet_t1.png
while [ $# -gt 0 ]; do
  case "$1" in
    --yuma) yuma=$2 ;;
    --tests) tests=$2 ;;
    --out) out=$2 ;;
    --config) config=$2 ;;
    --windows) windows=$2 ;;
    --seeds) seeds=$2 ;;
    --lrs) lrs=$2 ;;
    --modes) modes=$2 ;;
    --jobs) jobs=$2 ;;
    --heldout-every) every=$2 ;;
    --plot) plot=$2 ;;
    *) echo "train_subnet.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift 2
done
mkdir -p "$out"

adversaries() {
  echo "# adversaries of 7.10 (T0, 40 windows, alpha 0.2), seeds 1 2 3"
  local t0
  t0=$(date +%s)
  YUMA_TRAINSIM_SEEDS="1 2 3" "$tests/test_trainsim_adversaries" | tee "$out/adversaries.txt"
  echo "# adversaries: $(($(date +%s) - t0)) s"
}

# One run: MODE SEED LR -> $out/MODE-sSEED-lrLR.csv (and .out).
one_run() {
  local mode=$1 seed=$2 lr=$3 name="$out/$1-s$2-lr$3"
  # 4 honest miners (the single miner is miner 0); at T1 the validator
  # measures a random 32 of each 160-sequence pool (calibration box: "or a
  # random 32"), at T0 the whole 40. With 4 honest miners and a gather list
  # of 4 every miner is always gathered, so scoring never changes the model.
  local eown=32
  [ "$config" = T0 ] && eown=0
  "$yuma" subnet train sim --config "$config" --mode "$mode" --miners 4 --seed "$seed" --lr "$lr" \
    --windows "$windows" --heldout-every "$every" --e-own $eown --threads 1 --quiet --csv "$name.csv" >"$name.out" 2>&1 ||
    echo "run $name failed: $(tail -n 2 "$name.out")" >&2
}
export -f one_run
export yuma config windows every out

runs() {
  echo "# runs: $config, $windows windows, seeds $seeds, lrs $lrs, modes $modes, $jobs at once"
  local t0
  t0=$(date +%s)
  for mode in $modes; do for seed in $seeds; do for lr in $lrs; do echo "$mode $seed $lr"; done; done; done |
    xargs -P "$jobs" -L 1 bash -c 'one_run $0 $1 $2'
  echo "# runs: $(($(date +%s) - t0)) s"
}

# The last measured held-out loss of a CSV (column 2), its window count.
end_loss() { awk -F, 'NR > 1 && $2 != "" { l = $2; w = $1 } END { if (l != "") print l, w + 1 }' "$1"; }

summary() {
  local table="$out/summary.txt"
  {
    echo "# $config held-out loss (nats/byte) at the end: mean [min..max] over seeds, by mode and inner lr"
    for mode in $modes; do
      for lr in $lrs; do
        local vals="" n=0 w=""
        for seed in $seeds; do
          f="$out/$mode-s$seed-lr$lr.csv"
          [ -s "$f" ] || continue
          read -r l w < <(end_loss "$f") || continue
          vals="$vals $l"
          n=$((n + 1))
        done
        [ $n -gt 0 ] && echo "$mode $lr $n $w $vals" | awk '{ s = 0; mn = 1e9; mx = -1e9; for (i = 5; i <= NF; i++) { s += $i; if ($i < mn) mn = $i; if ($i > mx) mx = $i }
          printf "%-8s lr %-6s %d seeds, %3d windows: %.4f [%.4f..%.4f]\n", $1, $2, $3, $4, s / $3, mn, mx }'
      done
    done
  } | tee "$table"
  # the tuned lr of each mode: the lowest mean among lrs run on every seed
  local nseeds
  nseeds=$(wc -w <<<"$seeds")
  awk -v ns="$nseeds" '/^[a-z]+ +lr/ { if ($4 == ns && (!($1 in best) || $8 < best[$1])) { best[$1] = $8; lr[$1] = $3 } }
    END { for (m in best) print m, lr[m], best[m] }' "$table" >"$out/tuned.txt"
  echo "# tuned (lowest mean over all seeds):"
  cat "$out/tuned.txt"
  local s d g c
  s=$(awk '$1 == "sparse" { print $3 }' "$out/tuned.txt")
  d=$(awk '$1 == "dense" { print $3 }' "$out/tuned.txt")
  g=$(awk '$1 == "single" { print $3 }' "$out/tuned.txt")
  c=$(awk '$1 == "central" { print $3 }' "$out/tuned.txt")
  [ -n "$s" ] && [ -n "$d" ] && awk -v s="$s" -v d="$d" 'BEGIN { printf "subnet - dense averaging: %+.4f nats (gate <= +0.03: %s)\n", s - d, (s - d <= 0.03) ? "pass" : "FAIL" }'
  [ -n "$s" ] && [ -n "$g" ] && awk -v s="$s" -v g="$g" 'BEGIN { printf "single miner - subnet: %+.4f nats (gate >= 0.05: %s)\n", g - s, (g - s >= 0.05) ? "pass" : "FAIL" }'
  local proto="1.079x at T1, one seed, both at lr 4e-3"
  [ "$config" = T0 ] && proto="1.004x at T0, mean of 3 seeds"
  [ -n "$s" ] && [ -n "$c" ] && awk -v s="$s" -v c="$c" -v p="$proto" 'BEGIN { printf "subnet / centralized: %.4fx (%+.4f nats; reported, not gated; prototype %s)\n", s / c, s - c, p }'
  # bytes per honest miner per window, and the dense update (4 bytes per parameter)
  local f
  f=$(ls "$out"/sparse-s*-lr*.csv 2>/dev/null | head -n 1 || true)
  if [ -n "$f" ]; then
    local params
    params=$(grep -o '([0-9]* parameters)' "${f%.csv}.out" | head -n 1 | tr -dc 0-9)
    awk -F, -v p="$params" 'NR > 1 && $5 == "honest" && $7 > 0 { s += $7; n++ }
      END { printf "upload per honest miner per window: %.0f bytes as stored vs %d dense fp32: %.1fx smaller\n", s / n, 4 * p, 4 * p / (s / n) }' "$f"
  fi
  # curves at the tuned lrs: the mean over seeds at every measured window
  for mode in sparse dense single central; do
    local lr files=()
    lr=$(awk -v m="$mode" '$1 == m { print $2 }' "$out/tuned.txt")
    for seed in $seeds; do [ -n "$lr" ] && [ -s "$out/$mode-s$seed-lr$lr.csv" ] && files+=("$out/$mode-s$seed-lr$lr.csv"); done
    : >"$out/curve-$mode.dat"
    [ ${#files[@]} -gt 0 ] && awk -F, 'FNR > 1 && $2 != "" && !seen[FILENAME, $1]++ { s[$1] += $2; n[$1]++ }
      END { for (w in s) print w + 1, s[w] / n[w] }' "${files[@]}" | sort -n >"$out/curve-$mode.dat"
    echo "$mode ${lr:-none}" >>"$out/curve-lrs.txt.new"
  done
  mv "$out/curve-lrs.txt.new" "$out/curve-lrs.txt"
  if command -v gnuplot >/dev/null; then
    local label="$config, 4 miners, H $([ "$config" = T0 ] && echo 5 || echo 10), B $([ "$config" = T0 ] && echo 8 || echo 16), $nseeds seed$([ "$nseeds" = 1 ] || echo s)"
    local yr="ymin=1.4; ymax=3.2"
    [ "$config" = T0 ] && yr="ymin=2.0; ymax=3.6"
    gnuplot -e "outfile='$plot'; dir='$out'; label='$label'; $yr" bench/train_subnet.gp && echo "plot: $plot"
  else
    echo "gnuplot not found: no plot"
  fi
}

case $what in
  adversaries) adversaries ;;
  runs) runs ;;
  summary) summary ;;
  all)
    adversaries
    runs
    summary
    ;;
esac
