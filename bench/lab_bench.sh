#!/usr/bin/env bash
# The lab's numbers: `ringctl lab stress` throughput and latency on a 3-node lab at QUORUM, and
# ringnode's memory (RSS) at rest and under that load. Gossip convergence lives in
# build/bench/gossip_convergence (simulated, 10 to 1,000 nodes).
#
#   bench/lab_bench.sh [--rows N] [--threads T]      (defaults: 50,000 rows, 8 threads)
#
# Uses its own lab directory and ports, and takes the lab down at the end, also on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ringctl=${RINGCTL:-$root/build/cli/ringctl}
rows=50000
threads=8
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--threads T]" >&2; exit 1 ;;
  esac
done

dir=$(mktemp -d -t ringctl-lab-bench.XXXXXX)
lab() { "$ringctl" "$@"; }
cleanup() { "$ringctl" lab --dir "$dir" down --purge >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Resident set sizes of the lab's nodes, in MiB, one per line.
node_rss() {
  for pid_file in "$dir"/node*/ringnode.pid; do
    awk '/^VmRSS/ {printf "%.1f\n", $2 / 1024}' "/proc/$(cat "$pid_file")/status"
  done
}

lab lab --dir "$dir" up --nodes 3 --storage-port 27200 --native-port 29242 >/dev/null
rest=$(node_rss | sort -n | tail -1)

# Sample RSS every 200 ms while stress runs; keep the peak.
peak_file=$dir/peak_rss
echo 0 >"$peak_file"
( while :; do
    now=$(node_rss | sort -n | tail -1)
    awk -v a="$now" -v b="$(cat "$peak_file")" 'BEGIN {exit !(a > b)}' && echo "$now" >"$peak_file"
    sleep 0.2
  done ) &
sampler=$!
report=$(lab -o json lab --dir "$dir" stress --rows "$rows" --threads "$threads" --cl QUORUM)
kill "$sampler"
verify=$(lab -o json lab --dir "$dir" verify --threads "$threads")

python3 - "$report" "$verify" "$rest" "$(cat "$peak_file")" "$(nproc)" <<'PY'
import json, sys
stress, verify = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rest, peak, cores = sys.argv[3], sys.argv[4], sys.argv[5]
lat = stress["latency_ms"]
print(f"3-node lab on {cores} cores, {stress['attempted']} rows of {100} bytes at {stress['consistency']}, "
      f"client and nodes on the same machine")
print(f"  throughput        {stress['rows_per_second']:10.0f} rows/s  ({stress['acknowledged']} acknowledged, "
      f"{stress['failed']} failed, {stress['seconds']:.1f} s)")
print(f"  latency (ms)      p50 {lat['p50']:.2f}  p95 {lat['p95']:.2f}  p99 {lat['p99']:.2f}  max {lat['max']:.2f}")
print(f"  ringnode RSS      {rest} MiB at rest, {peak} MiB peak under load (largest node)")
print(f"  verify            {verify['checked']} checked, lost: {verify['lost']}, "
      f"under-replicated: {verify['under_replicated']}")
PY
