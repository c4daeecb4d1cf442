#!/usr/bin/env bash
# Live `ringctl health` and `ringctl status` against a real lab of 10 ringnode nodes, each with
# its agent (ringd), while a real Prometheus scrapes every agent's /metrics each second: the
# latency of each command (median and p95 over R whole-process runs, hyperfine), next to the
# same commands against the same lab unscraped, timed in the same run just before Prometheus
# starts. Also reports how many scrapes Prometheus made while the scraped runs were timed, how
# many failed, and the slowest. Nothing is asserted on the times; the script exits 1 when
# something does not run, when health does not hear from every agent, or when a scrape fails.
#
#   bench/health_scraped_bench.sh [--quick] [--nodes N] [--runs R] [--json]
#
#   --nodes N   lab nodes, each with its agent (default 10; 4 tokens each, one DC, 3 racks)
#   --runs R    hyperfine runs per command and phase (default 200: about 8 s of scraping)
#   --quick     30 runs
#   --json      one JSON document instead of the text
#
# Builds nothing: needs ringctl, ringd and ringnode (ninja -C build ringctl ringd ringnode;
# $RINGCTL_BUILD, default build/; the lab finds ringd and ringnode beside ringctl or in
# $RINGCTL_RINGD, $RINGCTL_RINGNODE), and hyperfine, prometheus, promtool, curl and jq
# (scripts/install-deps.sh test). Addresses and ports, which no test uses: the lab on
# 127.0.0.1-N (a ringctl lab's addresses) with storage port 26860, native port 29860, agents on
# 26870; Prometheus on 127.0.81.2:26880. The lab's directory, the cluster config
# ($RINGCTL_CONFIG) and Prometheus' data are temporary; everything started here is stopped on
# exit, also on failure. Run it under the integration lock:
# flock /tmp/ringctl-integration.lock bench/health_scraped_bench.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${RINGCTL_BUILD:-$root/build}
ringctl=${RINGCTL:-$build/cli/ringctl}
nodes=10
runs=200
json=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) runs=30; shift ;;
    --nodes) nodes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --json) json=1; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "health_scraped_bench.sh: unknown argument '$1'" >&2; usage >&2; exit 1 ;;
  esac
done
for number in "$nodes" "$runs"; do
  [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "health_scraped_bench.sh: '$number' is not a positive whole number" >&2; exit 1; }
done
[ -x "$ringctl" ] || { echo "health_scraped_bench.sh: $ringctl is not built (ninja -C build ringctl ringd ringnode)" >&2; exit 1; }
for tool in hyperfine prometheus promtool curl jq python3; do
  command -v "$tool" >/dev/null || { echo "health_scraped_bench.sh: $tool is not installed (scripts/install-deps.sh test)" >&2; exit 1; }
done

storage_port=26860
native_port=29860
agent_port=26870
prometheus_address=127.0.81.2:26880
if (exec 3<>"/dev/tcp/${prometheus_address%:*}/${prometheus_address#*:}") 2>/dev/null; then
  echo "health_scraped_bench.sh: $prometheus_address is taken: is another run of this bench going?" >&2
  exit 1
fi

source "$here/scratch_lab.sh" ringctl-health-scraped

"$ringctl" lab --dir "$work/lab" up --dcs "dc1:$nodes" --racks 3 --num-tokens 4 --storage-port $storage_port \
  --native-port $native_port --agent-port $agent_port --timeout 120 >"$work/lab-up.txt"
agents=()
for i in $(seq "$nodes"); do agents+=("127.0.0.$i:$agent_port"); done

# One checked run: health heard every agent and names no problem it should not.
status=0
"$ringctl" -o json health >"$work/health.json" 2>"$work/health.err" || status=$?
python3 - "$nodes" "$status" "$work/health.json" "$work/health.err" >"$work/health-not-ok.txt" <<'PY'
import json, sys
n, status = int(sys.argv[1]), int(sys.argv[2])
try:
    doc = json.load(open(sys.argv[3]))
except ValueError:
    sys.exit(f"health exited {status} without a document: {open(sys.argv[4]).read()}")
checks = {c["name"]: c for c in doc["checks"]}
if status != 0 or checks["agents_reachable"]["message"] != f"all {n} agents answered":
    sys.exit(f"health: exit {status}, status {doc['status']}, agents_reachable: {checks['agents_reachable']['message']}")
print("; ".join(f"{c['name']} {c['status']}: {c['message']}" for c in doc["checks"] if c["status"] != "ok"))
PY
health_status=$(jq -r .status "$work/health.json")

time_commands() {
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/$1.json" \
    -n health "$ringctl -o json health" -n status "$ringctl -o json status" >/dev/null 2>&1 ||
    { echo "health_scraped_bench.sh: a timed command failed; run it again by hand: $ringctl -o json health" >&2; exit 1; }
}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
time_commands unscraped

# ---- Prometheus, scraping every agent each second ----
{
  echo "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}"
  echo "scrape_configs:"
  echo "  - job_name: ringd"
  echo "    static_configs:"
  echo "      - targets:"
  for agent in "${agents[@]}"; do echo "          - $agent"; done
} >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml" >/dev/null
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="$prometheus_address" >"$work/prometheus.log" 2>&1 &
helper_pid=$!
query() { curl -sf "http://$prometheus_address/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // "0"'; }
all_up() { [ "$(query 'count(up{job="ringd"} == 1)' 2>/dev/null)" = "$nodes" ]; }
deadline=$((SECONDS + 60))
until all_up; do
  kill -0 "$helper_pid" 2>/dev/null || { echo "health_scraped_bench.sh: prometheus exited:" >&2; tail "$work/prometheus.log" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "health_scraped_bench.sh: Prometheus did not see all $nodes agents up in 60 s" >&2; exit 1; }
  sleep 0.5
done

started=$(date +%s.%N)
time_commands scraped
seconds=$(python3 -c "import sys; print(max(1, round($(date +%s.%N) - $started)))")
sleep 1  # the last scrapes of the window land in the TSDB
window="${seconds}s"
scrapes=$(query "sum(count_over_time(up{job=\"ringd\"}[$window]))")
succeeded=$(query "sum(sum_over_time(up{job=\"ringd\"}[$window]))")
slowest=$(query "max(max_over_time(scrape_duration_seconds{job=\"ringd\"}[$window]))")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work" "$nodes" "$runs" "$json" "$health_status" "$seconds" "$scrapes" "$succeeded" "$slowest" \
  "$load_start" "$load_end" "$(cat "$work/health-not-ok.txt")" <<'PY'
import json, sys
work, nodes, runs, as_json, health_status, seconds, scrapes, succeeded, slowest, load_start, load_end, not_ok = sys.argv[1:]
def stats(phase):
    out = {}
    for r in json.load(open(f"{work}/{phase}.json"))["results"]:
        times = sorted(r["times"])
        p95 = times[min(len(times) - 1, max(0, -(-95 * len(times) // 100) - 1))]
        out[r["command"]] = {"median_ms": r["median"] * 1000, "p95_ms": p95 * 1000,
                             "cpu_ms": (r["user"] + r["system"]) * 1000}
    return out
scraped, unscraped = stats("scraped"), stats("unscraped")
scrapes, succeeded = round(float(scrapes)), round(float(succeeded))
result = {"agents": int(nodes), "runs": int(runs), "health_status": health_status, "health_not_ok": not_ok,
          "scraped": scraped, "unscraped": unscraped,
          "ratio": {c: scraped[c]["median_ms"] / unscraped[c]["median_ms"] for c in scraped},
          "prometheus": {"scrape_interval_s": 1, "window_s": int(seconds), "scrapes": scrapes,
                         "failed": scrapes - succeeded, "slowest_scrape_ms": float(slowest) * 1000},
          "load_average": {"start": load_start, "end": load_end}}
failed = scrapes - succeeded
if as_json == "1":
    print(json.dumps(result))
else:
    print(f"ringctl against a {nodes}-node lab with {nodes} agents, {runs} runs per command and phase; "
          f"health said {health_status}{' (' + not_ok + ')' if not_ok else ''}; "
          f"load average {load_start} at start, {load_end} at end")
    print()
    print("| command | scraped each second: median | p95 | CPU | unscraped: median | p95 | scraped / unscraped |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for c in ("health", "status"):
        s, u = scraped[c], unscraped[c]
        print(f"| ringctl -o json {c} | {s['median_ms']:.1f} ms | {s['p95_ms']:.1f} ms | {s['cpu_ms']:.1f} ms | "
              f"{u['median_ms']:.1f} ms | {u['p95_ms']:.1f} ms | {result['ratio'][c]:.2f} |")
    print()
    print(f"Prometheus over the {seconds} s of scraped runs: {scrapes} scrapes of {nodes} agents "
          f"({scrapes / int(seconds) / int(nodes):.2f} per agent per second), {failed} failed, "
          f"slowest {float(slowest) * 1000:.1f} ms")
if failed or scrapes == 0:
    sys.exit(f"health_scraped_bench.sh: {failed} of {scrapes} scrapes failed while the commands were timed")
PY
