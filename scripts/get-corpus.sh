#!/usr/bin/env bash
# get-corpus.sh - the training subnet's corpus (shared/specs/training-subnet.md
# §7.4): installs Debian's King James Bible packages when missing (bible-kjv,
# the `bible` program, and bible-kjv-text, its data) and extracts the whole
# text, Genesis 1:1 to Revelation 22:21, into one file: 4,298,239 bytes of 73
# distinct values, checked by SHA-256. Does nothing when the file is already
# there and correct.
#
# usage: scripts/get-corpus.sh [OUTPUT]     (default: data/kjv.txt in the repository)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/data/kjv.txt}
want_sha=82fa5f3788c6a9a010fb128a0f0bf588984b5888a82058520620eded59b033ea
want_size=4298239

if [ -f "$out" ] && [ "$(sha256sum <"$out" | cut -d' ' -f1)" = "$want_sha" ]; then
    exit 0
fi

missing=()
for p in bible-kjv bible-kjv-text; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$(dirname "$out")/.kjv.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# -m: an 8 GB buffer limit so the whole book fits; COLUMNS is unset so the
# line breaks are bible's default (79 columns) whatever the terminal.
env -u COLUMNS bible -m 8000000 "gen1:1-rev22:21" </dev/null >"$tmp"
size=$(stat -c %s "$tmp")
sha=$(sha256sum <"$tmp" | cut -d' ' -f1)
if [ "$size" -ne "$want_size" ] || [ "$sha" != "$want_sha" ]; then
    echo "get-corpus.sh: bible printed $size bytes (sha256 $sha), want $want_size bytes (sha256 $want_sha)" >&2
    exit 1
fi
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out ($size bytes)"
