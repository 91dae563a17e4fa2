#!/usr/bin/env bash
# Runs every test of yuma: a Release build and a Debug build under
# AddressSanitizer and UndefinedBehaviorSanitizer, both with warnings as
# errors; checks that both builds compute the same epoch outputs; then runs
# the libFuzzer targets for a bounded time. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/get-corpus.sh   # the training subnet's corpus (data/kjv.txt), from Debian's bible-kjv
jobs=$(nproc)
fuzz_seconds=${YUMA_FUZZ_SECONDS:-30}

echo "== Release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DYUMA_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
YUMA_DIGEST_FILE=$PWD/build/epoch-digest.txt ctest --test-dir build --output-on-failure -j"$jobs"

echo "== Debug build with AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DYUMA_SANITIZE=ON -DYUMA_WERROR=ON >/dev/null
cmake --build build-sanitize -j"$jobs"
# The sanitizer build runs the long end-to-end scripts at a smaller scale
# (YUMA_TEST_QUICK): the Release build already ran them in full.
YUMA_TEST_QUICK=1 YUMA_DIGEST_FILE=$PWD/build-sanitize/epoch-digest.txt \
  ctest --test-dir build-sanitize --output-on-failure -j"$jobs"

echo "== Release and sanitizer builds agree on every epoch output"
if ! cmp -s build/epoch-digest.txt build-sanitize/epoch-digest.txt; then
  echo "epoch digests differ: $(cat build/epoch-digest.txt) vs $(cat build-sanitize/epoch-digest.txt)"
  exit 1
fi
for f in examples/*.json; do
  cmp -s <(build/yuma sim "$f") <(build-sanitize/yuma sim "$f") || { echo "outputs differ on $f"; exit 1; }
done
echo "digest $(cat build/epoch-digest.txt) and all examples identical"

echo "== libFuzzer targets (${fuzz_seconds}s each)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DYUMA_FUZZ=ON -DYUMA_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_scenario fuzz_epoch fuzz_tx fuzz_update
for target in fuzz_scenario fuzz_epoch fuzz_tx fuzz_update; do
  corpus=build-fuzz/corpus-$target
  mkdir -p "$corpus"
  cp fuzz/seeds/* "$corpus"/ 2>/dev/null || true
  dict=()
  [ "$target" = fuzz_scenario ] && dict=(-dict=fuzz/scenario.dict)
  log=build-fuzz/$target.log
  if ! build-fuzz/fuzz/$target "${dict[@]}" -max_total_time="$fuzz_seconds" -max_len=4096 \
      -timeout=10 -rss_limit_mb=2048 "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "$target found a crash or a sanitizer report"
    exit 1
  fi
  grep -E '^Done|DONE' "$log" | tail -n 2
done
echo "all tests passed"
