#!/usr/bin/env bash
# The lab's numbers: `ringctl lab stress` throughput and latency on a 3-node lab at QUORUM, next
# to its ceiling on this machine measured in the same run (build/bench/http_ceiling_bench: a
# bare cpp-httplib keep-alive server and clients, one request per row, same rows and threads),
# the CPU each used per row (the nodes' and ringctl's, against the ceiling process's: steadier
# than rows/s on a machine shared with other work), and ringnode's memory (RSS) at rest and
# under that load. Gossip convergence lives in build/bench/gossip_convergence (simulated, 10 to
# 1,000 nodes).
#
#   bench/lab_bench.sh [--rows N] [--threads T] [--ip-prefix P] [--ceiling-address A] [--json]
#   (defaults: 50,000 rows, 8 threads, the lab on 127.0.0.1-3, the ceiling on 127.0.80.1)
#
# $RINGCTL, $HTTP_CEILING_BENCH choose the binaries (default: under build/); the lab's ringnode
# and ringd are found beside ringctl (or $RINGCTL_RINGNODE, $RINGCTL_RINGD). --json prints one
# JSON object instead of the text. Uses its own lab directory, cluster config and ports
# (storage 27200, native 29242, agents 29270), and takes the lab down at the end, also on
# failure. Run it under the integration lock: flock /tmp/ringctl-integration.lock bench/lab_bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ringctl=${RINGCTL:-$root/build/cli/ringctl}
ceiling=${HTTP_CEILING_BENCH:-$root/build/bench/http_ceiling_bench}
rows=50000
threads=8
format=text
ip_prefix=127.0.0
ceiling_address=127.0.80.1
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --ip-prefix) ip_prefix=$2; shift 2 ;;
    --ceiling-address) ceiling_address=$2; shift 2 ;;
    --json) format=json; shift ;;
    *) echo "usage: $0 [--rows N] [--threads T] [--ip-prefix P] [--ceiling-address A] [--json]" >&2; exit 1 ;;
  esac
done
for program in "$ringctl" "$ceiling"; do
  [ -x "$program" ] || { echo "lab_bench.sh: $program is missing; build it first" >&2; exit 2; }
done

# A temporary lab directory and cluster config, taken down at exit (scratch_lab.sh).
source "$root/bench/scratch_lab.sh" ringctl-lab-bench
dir=$work/lab
lab() { "$ringctl" "$@"; }

# Resident set sizes of the lab's nodes, in MiB, one per line.
node_rss() {
  for pid_file in "$dir"/node*/ringnode.pid; do
    awk '/^VmRSS/ {printf "%.1f\n", $2 / 1024}' "/proc/$(cut -d" " -f1 "$pid_file")/status"
  done
}

# The CPU the lab's nodes have used so far (user + system, in clock ticks, all nodes).
node_cpu_ticks() {
  for pid_file in "$dir"/node*/ringnode.pid; do
    awk '{print $14 + $15}' "/proc/$(cut -d" " -f1 "$pid_file")/stat"
  done | awk '{sum += $1} END {print sum}'
}

lab lab --dir "$dir" up --nodes 3 --ip-prefix "$ip_prefix" --storage-port 27200 --native-port 29242 --agent-port 29270 >/dev/null
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
helper_pid=$sampler
# CPU per row, beside rows/s: on a machine other work keeps busy, rows/s follow the share of the
# cores we get, and CPU per row does not. bash's `time` counts the client's own CPU.
TIMEFORMAT='%U %S'
ticks_before=$(node_cpu_ticks)
{ time lab -o json lab --dir "$dir" stress --rows "$rows" --threads "$threads" --cl QUORUM >"$work/stress.json"; } 2>"$work/stress.cpu"
ticks_after=$(node_cpu_ticks)
report=$(cat "$work/stress.json")
kill "$sampler"
verify=$(lab -o json lab --dir "$dir" verify --threads "$threads")
# The ceiling right after, while the machine is as loaded as it was.
{ time "$ceiling" --rows "$rows" --threads "$threads" --address "$ceiling_address" >"$work/ceiling.json"; } 2>"$work/ceiling.cpu"
ceiling_report=$(cat "$work/ceiling.json")
node_cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v hz="$(getconf CLK_TCK)" 'BEGIN {print (b - a) / hz}')

python3 - "$report" "$verify" "$rest" "$(cat "$peak_file")" "$(nproc)" "$ceiling_report" "$format" \
  "$node_cpu" "$(tail -1 "$work/stress.cpu")" "$(tail -1 "$work/ceiling.cpu")" <<'PY'
import json, sys
stress, verify = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rest, peak, cores = sys.argv[3], sys.argv[4], sys.argv[5]
ceiling, fmt = json.loads(sys.argv[6]), sys.argv[7]
lat, clat = stress["latency_ms"], ceiling["latency_ms"]
ratio = stress["rows_per_second"] / ceiling["rows_per_second"]
per_row = lambda seconds, rows: round(seconds / rows * 1e6, 1)
node_us = per_row(float(sys.argv[8]), stress["attempted"])
client_us = per_row(sum(map(float, sys.argv[9].split())), stress["attempted"])
ceiling_us = per_row(sum(map(float, sys.argv[10].split())), ceiling["rows"])
cpu_ratio = ceiling_us / (node_us + client_us)
if fmt == "json":
    print(json.dumps({"rows": stress["attempted"], "consistency": stress["consistency"],
                      "rows_per_second": stress["rows_per_second"], "latency_ms": lat,
                      "failed": stress["failed"], "lost": verify["lost"],
                      "ceiling_rows_per_second": ceiling["rows_per_second"], "ceiling_latency_ms": clat,
                      "ratio": ratio, "cpu_us_per_row": {"nodes": node_us, "client": client_us},
                      "ceiling_cpu_us_per_row": ceiling_us, "cpu_ratio": cpu_ratio, "rss_rest_mib": float(rest), "rss_peak_mib": float(peak),
                      "load_average": open("/proc/loadavg").read().split()[:3]}))
    sys.exit(0)
print(f"3-node lab on {cores} cores, {stress['attempted']} rows of {100} bytes at {stress['consistency']}, "
      f"client and nodes on the same machine")
print(f"  throughput        {stress['rows_per_second']:10.0f} rows/s  ({stress['acknowledged']} acknowledged, "
      f"{stress['failed']} failed, {stress['seconds']:.1f} s)")
print(f"  latency (ms)      p50 {lat['p50']:.2f}  p95 {lat['p95']:.2f}  p99 {lat['p99']:.2f}  max {lat['max']:.2f}")
print(f"  ceiling           {ceiling['rows_per_second']:10.0f} rows/s  (bare cpp-httplib keep-alive, same rows and threads; "
      f"p50 {clat['p50']:.2f}, p99 {clat['p99']:.2f} ms)")
print(f"  stress / ceiling  {ratio:10.3f}")
print(f"  CPU per row       {node_us + client_us:10.1f} us  (nodes {node_us}, client {client_us}; ceiling {ceiling_us}, "
      f"ceiling / ours {cpu_ratio:.3f})")
print(f"  ringnode RSS      {rest} MiB at rest, {peak} MiB peak under load (largest node)")
print(f"  verify            {verify['checked']} checked, lost: {verify['lost']}, "
      f"under-replicated: {verify['under_replicated']}")
PY
