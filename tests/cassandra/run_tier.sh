#!/usr/bin/env bash
# The real-Cassandra tier, one entry point for CI and people:
#   resolve jars (cached), then twice -- a 5-node vnode cluster and a 2-node single-token
#   one -- start the cluster in a fresh run dir, run fidelity_test.py, stop it.
#
#   tests/cassandra/run_tier.sh [--bench | --bench-only]
#
#   --bench       after the fidelity test, time ringctl status vs nodetool status
#                 (bench/cassandra_status_bench.sh) on the same cluster
#   --bench-only  skip the fidelity tests, only benchmark (vnode cluster only)
#
# Environment:
#   RINGCTL                   ringctl binary (default <repo>/build/cli/ringctl)
#   RINGCTL_CACHE             jar cache root (default ~/.cache/ringctl)
#   RINGD                     ringd binary (default <repo>/build/agent/ringd): the live checks
#   RINGCTL_SKIP_CASSANDRA=1  print SKIPPED and exit 77 (ctest: skipped) -- ignored when CI=true
#   RINGCTL_CASSANDRA_LAYOUT  vnode cluster's nodes as DC:RACK,... or a count
#                             (default: 5 nodes, dc1 x3 over 2 racks, dc2 x2)
#   TMPDIR                    where the run dir ringctl-cassandra-XXXXXX is made
#
# The run dir (configs, logs, data, the exported snapshot) is deleted after a passing run and
# kept after a failing one, for its logs. The cluster is always stopped, also when this script
# is killed (see start_watchdog).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python=/usr/bin/python3   # the interpreter that has Debian's python3-cassandra
layout="${RINGCTL_CASSANDRA_LAYOUT:-dc1:rack1,dc1:rack2,dc1:rack1,dc2:rack1,dc2:rack1}"
export RINGCTL="${RINGCTL:-$repo/build/cli/ringctl}"
export RINGD="${RINGD:-$repo/build/agent/ringd}"

run_tests=1
run_bench=0
for arg in "$@"; do
    case "$arg" in
        --bench) run_bench=1 ;;
        --bench-only) run_bench=1; run_tests=0 ;;
        *) echo "usage: $0 [--bench | --bench-only]" >&2; exit 1 ;;
    esac
done

if [[ "${RINGCTL_SKIP_CASSANDRA:-}" == 1 && "${CI:-}" != true ]]; then
    echo "######## SKIPPED: real-Cassandra tier (RINGCTL_SKIP_CASSANDRA=1) ########"
    exit 77   # ctest's SKIP_RETURN_CODE: reported as skipped, never as passed
fi

say() { printf '[run_tier %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

check_prerequisites() {
    local missing=()
    command -v java >/dev/null || missing+=("java (OpenJDK 17)")
    command -v mvn >/dev/null || missing+=("mvn")
    "$python" -c 'import cassandra.cluster' 2>/dev/null ||
        missing+=("the DataStax driver for $python (apt-get install -y python3-cassandra)")
    if ((${#missing[@]})); then
        printf 'run_tier.sh: missing: %s\n' "${missing[@]}" >&2
        exit 1
    fi
}

# If this script dies without running its EXIT trap (SIGKILL, e.g. a CTest timeout), the
# JVMs -- in sessions of their own -- would live on. A detached watchdog stops them once
# this shell is gone. Its output goes to a file so it never holds CTest's pipes open.
start_watchdog() {
    local parent=$$
    setsid bash -c '
        while kill -0 "$1" 2>/dev/null; do sleep 2; done
        [[ -f "$3/cluster.json" ]] && "$2" "$4" stop --dir "$3"
    ' watchdog "$parent" "$python" "$run_dir" "$here/cassandra_cluster.py" \
        </dev/null >"$run_dir/watchdog.log" 2>&1 &
}

stop_cluster() {
    if [[ -n "$run_dir" && -f "$run_dir/cluster.json" ]]; then
        say "stopping the cluster"
        "$python" "$here/cassandra_cluster.py" stop --dir "$run_dir" || true
    fi
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_cluster
    if ((status != 0)) && [[ -n "$run_dir" ]]; then
        say "FAILED (exit $status); run dir kept for its logs: $run_dir"
    elif [[ -n "$run_dir" ]]; then
        rm -rf "$run_dir"
    fi
    exit "$status"
}

# run_scenario NAME LAYOUT NUM_TOKENS TESTS BENCH [OPERATIONS]: fresh cluster, fidelity test
# (with OPERATIONS=1 also the operations through ringd: repair, cleanup, a SIGSTOPped node,
# removenode, decommission) and/or benchmark, stop. A failure exits through cleanup, which
# keeps that run dir.
run_scenario() {
    local name="$1" layout="$2" num_tokens="$3" tests="$4" bench="$5" operations="${6:-}"
    local started=$SECONDS
    ((operations)) || operations=""
    run_dir="$(mktemp -d "${TMPDIR:-/tmp}/ringctl-cassandra-XXXXXX")"
    start_watchdog
    say "[$name] starting nodes $layout ($num_tokens tokens each) in $run_dir"
    "$python" "$here/cassandra_cluster.py" start --dir "$run_dir" --home "$home" \
        --nodes-layout "$layout" --num-tokens "$num_tokens"
    say "[$name] cluster up ($((SECONDS - started)) s)"
    if ((tests)); then
        local test_started=$SECONDS
        say "[$name] fidelity test, RINGCTL=$RINGCTL RINGD=$RINGD"
        "$python" "$here/fidelity_test.py" --run-dir "$run_dir" --ringctl "$RINGCTL" --ringd "$RINGD" \
            ${operations:+--operations}
        say "[$name] fidelity test passed ($((SECONDS - test_started)) s)"
    fi
    if ((bench)); then
        "$repo/bench/cassandra_status_bench.sh" --run-dir "$run_dir"
    fi
    stop_cluster
    rm -rf "$run_dir"
    run_dir=""
    say "[$name] done in $((SECONDS - started)) s"
}

check_prerequisites
tier_started=$SECONDS
run_dir=""
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "resolving Cassandra jars"
home="$("$here/resolve.sh")"
say "jars in $home ($((SECONDS - tier_started)) s)"

# vnodes: two DCs, one with two racks, the layout operators run.
# The operations change the topology, so they run once, here (the bench, if asked, runs after
# them on what is left: it times status, whatever the ring).
run_scenario vnodes "$layout" 16 "$run_tests" "$run_bench" 1
# One token per node over two DCs: nodetool's token-per-node status layout (used when
# #tokens <= #DCs) and ring without the vnode warning.
if ((run_tests)); then
    run_scenario single-token "dc1:rack1,dc2:rack1" 1 1 0
fi

say "tier passed in $((SECONDS - tier_started)) s"
