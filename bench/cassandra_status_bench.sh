#!/usr/bin/env bash
# Time `ringctl status --ring SNAPSHOT KS` against `nodetool status KS` on a real cluster.
#
#   bench/cassandra_status_bench.sh                    start a cluster, bench, stop it
#                                                      (= tests/cassandra/run_tier.sh --bench-only)
#   bench/cassandra_status_bench.sh --run-dir DIR      use a running cluster_cassandra.py cluster
#        [--runs N] [--keyspace KS]
#
# nodetool runs exactly as bin/nodetool would (its JVM flags, no test-only speed-ups) against
# node 1's JMX port. The snapshot is exported once, before timing: ringctl's cost of getting
# the snapshot is not part of what is timed. Uses hyperfine when installed, else
# /usr/bin/time in a loop. Prints mean wall time and CPU (user+sys) per call and the ratios.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cassandra_dir="$repo/tests/cassandra"
python=/usr/bin/python3
ringctl="${RINGCTL:-$repo/build/cli/ringctl}"
run_dir=""
runs=10
keyspace=""

while (($#)); do
    case "$1" in
        --run-dir) run_dir="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --keyspace) keyspace="$2"; shift 2 ;;
        *) echo "usage: $0 [--run-dir DIR] [--runs N] [--keyspace KS]" >&2; exit 1 ;;
    esac
done

if [[ -z "$run_dir" ]]; then
    exec "$cassandra_dir/run_tier.sh" --bench-only
fi
if [[ ! -x "$ringctl" ]]; then
    echo "cassandra_status_bench.sh: no ringctl at $ringctl (set RINGCTL)" >&2
    exit 1
fi

snapshot="$run_dir/bench-snapshot.json"
"$python" "$cassandra_dir/export_snapshot.py" --run-dir "$run_dir" --out "$snapshot" >/dev/null
# Default keyspace: an NTS test keyspace when the fidelity test made one, else a system one.
if [[ -z "$keyspace" ]]; then
    keyspace="$("$python" -c '
import json, sys
names = [k["name"] for k in json.load(open(sys.argv[1]))["keyspaces"]]
print("fid_nts_dc1_3_dc2_1" if "fid_nts_dc1_3_dc2_1" in names else "system_distributed")' \
        "$snapshot")"
fi

nodetool_cmd="$("$python" "$cassandra_dir/cassandra_cluster.py" nodetool --dir "$run_dir" --print \
    -- status "$keyspace")"
ringctl_cmd="$(printf '%q ' "$ringctl" status --ring "$snapshot" "$keyspace")"
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

echo "benchmark: status $keyspace on $("$python" -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(len(s["nodes"]), "nodes,", sum(len(n["tokens"]) for n in s["nodes"]), "tokens")' "$snapshot"), $runs runs each"
read -r nt_wall nt_user nt_sys <<<"$(measure "$nodetool_cmd")"
read -r rc_wall rc_user rc_sys <<<"$(measure "$ringctl_cmd")"

awk -v nw="$nt_wall" -v nu="$nt_user" -v ns="$nt_sys" \
    -v rw="$rc_wall" -v ru="$rc_user" -v rs="$rc_sys" 'BEGIN {
    printf "%-16s %12s %12s\n", "command", "wall ms", "cpu ms"
    printf "%-16s %12.1f %12.1f\n", "nodetool status", nw * 1000, (nu + ns) * 1000
    printf "%-16s %12.1f %12.1f\n", "ringctl status", rw * 1000, (ru + rs) * 1000
    rc_cpu = ru + rs > 0 ? ru + rs : 1e-6
    printf "%-16s %11.0fx %11.0fx\n", "nodetool/ringctl", nw / rw, (nu + ns) / rc_cpu
}'
