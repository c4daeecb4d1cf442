#!/usr/bin/env bash
# The whole test suite: the README's test command, and what .ci/run runs.
#  1. installs what the tests need (Debian packages; Maven resolves Cassandra into a cache);
#  2. builds with -Werror and runs every test through ctest: unit, CLI, integration;
#  3. starts the real Apache Cassandra tier (ctest -L cassandra; skippable locally only with
#     RINGCTL_SKIP_CASSANDRA=1, never in CI) in the background, beside steps 4 and 5;
#  4. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs the unit tests;
#  5. builds the libFuzzer targets with clang and fuzzes each parser for a while;
#  6. waits for the Cassandra tier and prints its output;
#  7. builds the .deb packages, lints, installs, checks and purges them (scripts/package_test.sh).
#  At the end, even after a failure, it prints each stage's wall time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# Wall time per stage: stage NAME ends the running stage and starts NAME; the EXIT trap ends the
# last one, marks it failed if the script is failing, and prints the table.
stages=(install build tests "asan build" "asan tests" "fuzz build" fuzz "cassandra wait" packages)
declare -A stage_seconds=()
current_stage="" stage_started=0
stage() {
  [ -z "$current_stage" ] || stage_seconds[$current_stage]=$((SECONDS - stage_started))
  current_stage=$1 stage_started=$SECONDS
}
# A failing ctest stage's output is long and its failures mid-way: the failed assertions again,
# where the end of a CI log shows them.
print_failed_assertions() {
  local log=$1/Testing/Temporary/LastTest.log
  [ -f "$log" ] || return 0
  printf '\n== failed assertions (%s)\n' "$log"
  grep -a -A 8 -E ':[0-9]+: (ERROR|FATAL ERROR): ' "$log" | head -n 150 || true
}
print_stage_times() {
  local status=$? name shown
  if [ "$status" -ne 0 ]; then
    case $current_stage in
      tests) print_failed_assertions "$root/build" ;;
      "asan tests") print_failed_assertions "$root/build-asan" ;;
    esac
  fi
  [ -z "$current_stage" ] || stage_seconds[$current_stage]=$((SECONDS - stage_started))
  printf '\n== wall time per stage\n'
  for name in "${stages[@]}"; do
    if [ -z "${stage_seconds[$name]+set}" ]; then
      shown="not run"
    else
      shown=$(printf '%d:%02d' $((stage_seconds[$name] / 60)) $((stage_seconds[$name] % 60)))
      if [ "$status" -ne 0 ] && [ "$name" = "$current_stage" ]; then shown="$shown  FAILED (exit $status)"; fi
    fi
    printf '  %-14s %s\n' "$name" "$shown"
  done
  if [ -n "$cassandra_pid" ]; then
    # Failing before the tier ended: stop it (its watchdog stops the cluster) and show why.
    kill -TERM -- "-$cassandra_pid" 2>/dev/null || true
    printf '  %-14s stopped: the run failed before it ended\n' "cassandra"
  elif [ -n "$cassandra_seconds" ]; then
    printf '  %-14s %d:%02d (beside the asan and fuzz stages)\n' cassandra $((cassandra_seconds / 60)) $((cassandra_seconds % 60))
  fi
  printf '  %-14s %d:%02d\n' total $((SECONDS / 60)) $((SECONDS % 60))
  exit "$status"
}
cassandra_pid="" cassandra_seconds=""
trap print_stage_times EXIT

stage install
"$root/scripts/install-deps.sh" test

jobs=$(nproc)
echo "== build (-Werror) and all tests"
stage build
# Tests and benches on explicitly: scripts/demo.sh configures the same build/ with them off.
BUILD_DIR=$root/build "$root/scripts/build.sh" -DRINGCTL_WERROR=ON -DRINGCTL_TESTS=ON -DRINGCTL_BENCH=ON
stage tests
# Twice as many tests as cores: the integration tests spend most of their time waiting on their
# labs (throttled streams, failure detectors, gossip rounds), and each has its own loopback
# addresses and ports. Measured here: the 28 integration tests took 12:40 four at a time (beside
# other builds) against 21-23 minutes two at a time.
ctest --test-dir "$root/build" --output-on-failure -j "$((2 * jobs))" -LE cassandra

# The real-Cassandra tier runs alone beside builds and unit tests, never beside the lab tests: its
# five JVMs and their timeouts would make both flaky on two cores. Most of its time is the JVMs
# starting and joining one at a time, which overlaps well with compiling.
cassandra_log=$root/build/cassandra-tier.log
cassandra_started=$SECONDS
setsid ctest --test-dir "$root/build" --output-on-failure -L cassandra >"$cassandra_log" 2>&1 &
cassandra_pid=$!

echo "== ASan + UBSan build and unit tests"
stage "asan build"
# Only what it checks: the unit-test programs (target unit_tests) and what they run.
BUILD_DIR=$root/build-asan BUILD_TARGETS=unit_tests "$root/scripts/build.sh" -DRINGCTL_WERROR=ON -DRINGCTL_SANITIZE=ON -DRINGCTL_BENCH=OFF
stage "asan tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -L unit

echo "== fuzz the parsers (clang, libFuzzer + ASan + UBSan)"
stage "fuzz build"
BUILD_DIR=$root/build-fuzz BUILD_TARGETS="snapshot_fuzz token_fuzz ringd_api_fuzz labnode_request_fuzz config_fuzz playbook_fuzz" \
  CC=clang-14 CXX=clang++-14 "$root/scripts/build.sh" \
  -DRINGCTL_SANITIZE=ON -DRINGCTL_FUZZ=ON -DRINGCTL_BENCH=OFF -DRINGCTL_FUZZ_SECONDS="${RINGCTL_FUZZ_SECONDS:-30}"
stage fuzz
# Six targets, two at a time: about 3 x RINGCTL_FUZZ_SECONDS of wall time.
ctest --test-dir "$root/build-fuzz" --output-on-failure -L fuzz -j 2

echo "== the real-Cassandra tier (started after the tests stage)"
stage "cassandra wait"
cassandra_status=0
wait "$cassandra_pid" || cassandra_status=$?
cassandra_pid="" cassandra_seconds=$((SECONDS - cassandra_started))
cat "$cassandra_log"
[ "$cassandra_status" -eq 0 ] || exit "$cassandra_status"

echo "== .deb packages: build, lintian, install, check, purge"
stage packages
"$root/scripts/package_test.sh"
