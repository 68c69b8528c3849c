#!/usr/bin/env bash
# Installs what chimp needs to build, test and run its demo, from Debian's
# packages. Runs apt-get as root (through sudo when not root).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libmariadb-dev libtomlplusplus-dev libspdlog-dev doctest-dev
  libcli11-dev nlohmann-json3-dev libssl-dev
  mariadb-server mariadb-client
  galera-4 rsync
  clang-format clang-tidy
  graphviz
  # cpack (dpkg-shlibdeps) and the package test (man -l, col)
  dpkg-dev man-db bsdextrautils
  # online schema changes (pt-online-schema-change)
  percona-toolkit
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
# The package scripts must not start a system-wide server: chimp's tests and
# demo start their own.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
