#!/usr/bin/env bash
# Installs the Debian 12 packages rnotify needs to build, test, fuzz and
# benchmark. Idempotent: when every package is present it only checks.
set -euo pipefail

pkgs=(
  build-essential cmake make pkg-config git
  clang libclang-rt-14-dev llvm
  libcurl4-openssl-dev libyaml-dev libssl-dev libpcre2-dev libcrypt-dev
  libmicrohttpd-dev libgnutls28-dev libcmocka-dev libjansson-dev
  tzdata ca-certificates python3 python3-aiosmtpd python3-prometheus-client
  python3-yaml openssl groff-base chromium
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
