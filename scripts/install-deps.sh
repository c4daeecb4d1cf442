#!/usr/bin/env bash
# Installs what ringctl needs from Debian 12 packages, idempotently: only missing packages are
# installed, and apt's lists are refreshed only when something is missing.
#   scripts/install-deps.sh build   compilers, CMake and the libraries
#   scripts/install-deps.sh test    build + what the tests use (Python driver, JDK and Maven for
#                                   the real-Cassandra tier, sanitizer and fuzzer runtimes, Prometheus
#                                   and promtool, tools (hyperfine and wrk for bench/), the shells
#                                   the completions are tested in,
#                                   lintian and systemd for the package test, OpenSSH's sshd and
#                                   client tools for the SSH tests)
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config python3 ccache
  libcli11-dev libcpp-httplib-dev nlohmann-json3-dev prometheus-cpp-dev libssh-dev doctest-dev
  libyaml-cpp-dev librocksdb-dev libssl-dev libbenchmark-dev
)
test_packages=(
  python3-cassandra openjdk-17-jdk-headless maven
  clang-14 libclang-rt-14-dev clang-format-14 mandoc hyperfine wrk procps bash-completion zsh fish
  prometheus curl jq python3-yaml lintian man-db systemd openssh-server openssh-client
  nftables iproute2 conntrack
)

case "${1:-build}" in
  build) wanted=("${build_packages[@]}") ;;
  test) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 build|test" >&2; exit 1 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install packages (run as root or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
