#!/usr/bin/env bash
# Installs the Debian packages yuma needs to build and test (Debian 12).
# Does nothing when they are already there.
set -euo pipefail
packages=(build-essential cmake pkg-config clang libclang-rt-14-dev
          libjansson-dev libcmocka-dev libsodium-dev libsqlite3-dev
          libmicrohttpd-dev libcurl4-openssl-dev curl
          etcd-server etcd-client      # cluster mode's ordering service (docs/CLUSTER.md)
          bible-kjv bible-kjv-text)    # the training subnet's corpus (scripts/get-corpus.sh)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
