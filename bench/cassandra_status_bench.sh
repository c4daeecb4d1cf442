#!/usr/bin/env bash
# Time `ringctl status KS` through ringd (backend cassandra) against `nodetool status KS` on a
# real cluster, and measure what ringd costs beside the node (bench/cassandra_ringd_cost.py).
#
#   bench/cassandra_status_bench.sh                    start a cluster, bench, stop it
#                                                      (= tests/cassandra/run_tier.sh --bench-only)
#   bench/cassandra_status_bench.sh --run-dir DIR      use a running cassandra_cluster.py cluster
#        [--runs N] [--keyspace KS] [--window S]
#
# On node 1: ringd's cost first (the JVM's idle CPU, one collection's time and CPU on the node,
# ringd's RSS and CPU next to the JVM's, S seconds per window), then, through that ringd
# (127.0.0.1:7179, the default collection interval), `ringctl -h AGENT status KS`, and
# `ringctl status --ring SNAPSHOT KS` on an exported snapshot, against nodetool run exactly as
# bin/nodetool would (its JVM flags, no test-only speed-ups) against node 1's JMX port. The
# CPU timed for ringctl is the client's: ringd answers from its last collection, whose cost is
# the collection figures. Uses hyperfine when installed, else /usr/bin/time in a loop. Prints
# mean wall time and CPU (user+sys) per call and the ratios.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cassandra_dir="$repo/tests/cassandra"
python=/usr/bin/python3
ringctl="${RINGCTL:-$repo/build/cli/ringctl}"
ringd="${RINGD:-$repo/build/agent/ringd}"
agent=127.0.0.1:7179
run_dir=""
runs=10
keyspace=""
window=20

while (($#)); do
    case "$1" in
        --run-dir) run_dir="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --keyspace) keyspace="$2"; shift 2 ;;
        --window) window="$2"; shift 2 ;;
        *) echo "usage: $0 [--run-dir DIR] [--runs N] [--keyspace KS] [--window S]" >&2; exit 1 ;;
    esac
done

if [[ -z "$run_dir" ]]; then
    exec "$cassandra_dir/run_tier.sh" --bench-only
fi
for binary in "$ringctl" "$ringd"; do
    if [[ ! -x "$binary" ]]; then
        echo "cassandra_status_bench.sh: no $binary (set RINGCTL and RINGD)" >&2
        exit 1
    fi
done

snapshot="$run_dir/bench-snapshot.json"
"$python" "$cassandra_dir/export_snapshot.py" --run-dir "$run_dir" --out "$snapshot" >/dev/null
# Default keyspace: an NTS test keyspace when the fidelity test made one, else the scale test's
# (the fidelity test drops its keyspaces before the scale playbooks), else a system one.
if [[ -z "$keyspace" ]]; then
    keyspace="$("$python" -c '
import json, sys
names = [k["name"] for k in json.load(open(sys.argv[1]))["keyspaces"]]
print(next(k for k in ["fid_nts_dc1_3_dc2_1", "scale_rf3", "system_distributed"] if k in names))' \
        "$snapshot")"
fi

nodetool_cmd="$("$python" "$cassandra_dir/cassandra_cluster.py" nodetool --dir "$run_dir" --print \
    -- status "$keyspace")"
ringctl_cmd="$(printf '%q ' "$ringctl" -h "$agent" status "$keyspace")"
ringctl_file_cmd="$(printf '%q ' "$ringctl" status --ring "$snapshot" "$keyspace")"
export LC_ALL=C.UTF-8   # as cassandra_cluster.py runs nodetool

# Prints "wall_mean_s user_mean_s sys_mean_s" for a shell command.
measure() {
    local command="$1"
    if command -v hyperfine >/dev/null; then
        local json
        json="$(mktemp)"
        # -N: no intermediate shell, which would dominate ringctl's few milliseconds.
        hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$json" \
            "$command" >/dev/null
        "$python" -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["mean"], r["user"], r["system"])' "$json"
        rm -f "$json"
    else
        bash -c "$command" >/dev/null   # warm-up
        for _ in $(seq "$runs"); do
            /usr/bin/time -f "%e %U %S" bash -c "$command >/dev/null" 2>&1 | tail -n 1
        done | awk '{w += $1; u += $2; s += $3} END {print w/NR, u/NR, s/NR}'
    fi
}

ringd_pid=""
stop_ringd() { [[ -n "$ringd_pid" ]] && kill "$ringd_pid" 2>/dev/null; ringd_pid=""; }
trap stop_ringd EXIT

echo "ringd beside node 1 (${window} s windows): the JVM idle, ringd collecting every 0.2 s, then at its default interval"
cost="$("$python" "$repo/bench/cassandra_ringd_cost.py" --run-dir "$run_dir" --ringd "$ringd" \
    --listen "$agent" --window "$window")"
ringd_pid="$(awk '$1 == "ringd_pid" {print $2}' <<<"$cost")"
grep -v '^ringd_pid' <<<"$cost" | sed 's/^/  /'

echo "benchmark: status $keyspace on $("$python" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(len(s["nodes"]), "nodes,", sum(len(n["tokens"]) for n in s["nodes"]), "tokens")' "$snapshot"), $runs runs each; load $(cut -d' ' -f1-3 /proc/loadavg)"
read -r nt_wall nt_user nt_sys <<<"$(measure "$nodetool_cmd")"
read -r rc_wall rc_user rc_sys <<<"$(measure "$ringctl_cmd")"
read -r rf_wall rf_user rf_sys <<<"$(measure "$ringctl_file_cmd")"
stop_ringd

awk -v nw="$nt_wall" -v nu="$nt_user" -v ns="$nt_sys" \
    -v rw="$rc_wall" -v ru="$rc_user" -v rs="$rc_sys" \
    -v fw="$rf_wall" -v fu="$rf_user" -v fs="$rf_sys" 'BEGIN {
    printf "%-26s %12s %12s\n", "command", "wall ms", "cpu ms"
    printf "%-26s %12.1f %12.1f\n", "nodetool status", nw * 1000, (nu + ns) * 1000
    printf "%-26s %12.1f %12.1f\n", "ringctl -h ringd status", rw * 1000, (ru + rs) * 1000
    printf "%-26s %12.1f %12.1f\n", "ringctl --ring status", fw * 1000, (fu + fs) * 1000
    rc_cpu = ru + rs > 0 ? ru + rs : 1e-6
    printf "%-26s %11.0fx %11.0fx\n", "nodetool / ringctl -h", nw / rw, (nu + ns) / rc_cpu
}'
