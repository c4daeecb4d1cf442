#!/usr/bin/env bash
# The whole test suite: the README's test command, and what .ci/run runs.
#  1. installs what the tests need (Debian packages; Maven resolves Cassandra into a cache);
#  2. builds with -Werror and runs every test through ctest: unit, CLI, and the real
#     Apache Cassandra tier (skippable locally only with RINGCTL_SKIP_CASSANDRA=1, never in CI);
#  3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit tests;
#  4. builds the libFuzzer targets with clang and fuzzes each parser for a while.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" test

jobs=$(nproc)
echo "== build (-Werror) and all tests"
BUILD_DIR=$root/build "$root/scripts/build.sh" -DRINGCTL_WERROR=ON
ctest --test-dir "$root/build" --output-on-failure -j "$jobs"

echo "== ASan + UBSan build and unit tests"
BUILD_DIR=$root/build-asan "$root/scripts/build.sh" -DRINGCTL_WERROR=ON -DRINGCTL_SANITIZE=ON -DRINGCTL_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -L unit

echo "== fuzz the parsers (clang, libFuzzer + ASan + UBSan)"
BUILD_DIR=$root/build-fuzz BUILD_TARGETS="snapshot_fuzz token_fuzz" CC=clang-14 CXX=clang++-14 "$root/scripts/build.sh" \
  -DRINGCTL_SANITIZE=ON -DRINGCTL_FUZZ=ON -DRINGCTL_BENCH=OFF -DRINGCTL_FUZZ_SECONDS="${RINGCTL_FUZZ_SECONDS:-30}"
ctest --test-dir "$root/build-fuzz" --output-on-failure -L fuzz

# ---- packages (scripts/package_test.sh): build the .debs, lintian, install, check, purge ----
echo "== .deb packages"
package_started=$SECONDS
"$root/scripts/package_test.sh"
echo "== .deb packages took $((SECONDS - package_started)) s"
