#!/usr/bin/env bash
# ringd's cost beside one ringnode: RSS and CPU at rest and while /metrics is scraped every
# second, and /metrics latency (p50, p99) over back-to-back requests. Target: under 15 MiB RSS
# and under 1% of a core while scraped.
#
#   bench/ringd_bench.sh [--smoke|--quick] [--rest S] [--scrape S] [--requests N] [--json]
#                                  (defaults: 30 s at rest, 30 s scraped, 500 requests)
#
#   --smoke   2 s, 3 s, 50 requests: shows that it runs
#   --quick   10 s, 10 s, 200 requests (bench/all.sh --quick)
#   --json    one JSON object (RSS, CPU, /metrics latency, the targets and whether each is met)
#             instead of the table
#
# Binaries: $RINGD and $RINGNODE, else build/agent/ringd and build/labnode/ringnode. Uses
# 127.0.0.46 and its own ports; stops both processes at the end, also on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ringd=${RINGD:-$root/build/agent/ringd}
ringnode=${RINGNODE:-$root/build/labnode/ringnode}
rest=30
scrape=30
requests=500
format=table
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) rest=2; scrape=3; requests=50; shift ;;
    --quick) rest=10; scrape=10; requests=200; shift ;;
    --rest) rest=$2; shift 2 ;;
    --scrape) scrape=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --json) format=json; shift ;;
    *) echo "usage: $0 [--smoke|--quick] [--rest S] [--scrape S] [--requests N] [--json]" >&2; exit 1 ;;
  esac
done

address=127.0.0.46
storage_port=27460
native_port=29460
agent_port=27470
dir=$(mktemp -d -t ringd-bench.XXXXXX)
node_pid=
agent_pid=
cleanup() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

cat >"$dir/ringnode.yaml" <<YAML
cluster_name: bench
listen_address: $address
storage_port: $storage_port
native_port: $native_port
seeds: [$address]
num_tokens: 16
data_directory: $dir/data
YAML
"$ringnode" --config "$dir/ringnode.yaml" 2>"$dir/ringnode.log" &
node_pid=$!
"$ringd" --listen "$address:$agent_port" --node "$address:$native_port" --interval 2 2>"$dir/ringd.log" &
agent_pid=$!
url=http://$address:$agent_port
for _ in $(seq 100); do
  curl -sf "$url/v1/health/ready" >/dev/null && break
  sleep 0.2
done
curl -sf "$url/v1/health/ready" >/dev/null || { echo "ringd did not become ready" >&2; cat "$dir/ringd.log" >&2; exit 1; }

rss_mib() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$agent_pid/status"; }
# utime + stime of ringd, in clock ticks (fields 14 and 15 of /proc/PID/stat, after the name).
cpu_ticks() { sed 's/.*) //' "/proc/$agent_pid/stat" | awk '{print $12 + $13}'; }
ticks_per_second=$(getconf CLK_TCK)
# Percent of one core used over `seconds` while `$@` runs (or sleeping when no command).
cpu_percent_over() {
  local seconds=$1; shift
  local before after
  before=$(cpu_ticks)
  if [ $# -gt 0 ]; then "$@"; else sleep "$seconds"; fi
  after=$(cpu_ticks)
  awk -v t=$((after - before)) -v hz="$ticks_per_second" -v s="$seconds" 'BEGIN {printf "%.2f", 100 * t / hz / s}'
}
scrape_every_second() {
  for _ in $(seq "$scrape"); do
    curl -sf -o /dev/null "$url/metrics"
    sleep 1
  done
}

rest_cpu=$(cpu_percent_over "$rest")
rest_rss=$(rss_mib)
scraped_cpu=$(cpu_percent_over "$scrape" scrape_every_second)
scraped_rss=$(rss_mib)
metrics_bytes=$(curl -sf "$url/metrics" | wc -c)

# Latency of back-to-back /metrics requests, one connection each (as a scraper does).
for _ in $(seq "$requests"); do
  curl -sf -o /dev/null -w '%{time_total}\n' "$url/metrics"
done | sort -n >"$dir/latency"
percentile() { awk -v p="$1" '{v[NR] = $1} END {i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.2f", v[i] * 1000}' "$dir/latency"; }

# The targets of the agent issue: under 15 MiB of RSS and 1% of a core while scraped.
rss_target_mib=15
cpu_target_percent=1
if [ "$format" = json ]; then
  cat <<JSON
{"interval_s": 2, "cores": $(nproc), "rest_s": $rest, "scrape_s": $scrape,
 "rest": {"rss_mib": $rest_rss, "cpu_percent": $rest_cpu},
 "scraped": {"rss_mib": $scraped_rss, "cpu_percent": $scraped_cpu},
 "metrics_bytes": $metrics_bytes, "requests": $requests,
 "metrics_latency_ms": {"p50": $(percentile 50), "p99": $(percentile 99)},
 "target": {"rss_mib": $rss_target_mib, "cpu_percent": $cpu_target_percent,
            "rss_met": $(awk -v r="$scraped_rss" -v t=$rss_target_mib 'BEGIN {print (r < t) ? "true" : "false"}'),
            "cpu_met": $(awk -v c="$scraped_cpu" -v t=$cpu_target_percent 'BEGIN {print (c < t) ? "true" : "false"}')}}
JSON
  exit 0
fi
echo "ringd beside one ringnode, interval 2 s, $(nproc) cores"
printf '%-34s %8s %8s\n' "" "RSS MiB" "CPU %"
printf '%-34s %8s %8s\n' "at rest (${rest} s)" "$rest_rss" "$rest_cpu"
printf '%-34s %8s %8s\n' "scraped every second (${scrape} s)" "$scraped_rss" "$scraped_cpu"
echo "/metrics: $metrics_bytes bytes; latency over $requests requests: p50 $(percentile 50) ms, p99 $(percentile 99) ms"
echo "targets: RSS < $rss_target_mib MiB, CPU < $cpu_target_percent% of a core while scraped"
