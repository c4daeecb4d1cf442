#!/usr/bin/env bash
# ringd under many concurrent clients: wrk against one agent of a real 3-node lab on /v1/cluster
# and /metrics, next to its ceiling measured in the same run, a bare cpp-httplib server
# (build/bench/http_ceiling_bench --serve) answering the same bytes, captured from that ringd,
# with ringd's worker threads, in a session of its own as ringd is (see below). Reports requests/s, p50/p99 latency, errors (socket errors and
# answers outside 2xx), the CPU time each server used per request (from /proc: on a shared
# machine it moves less with the others' load than requests/s does) and ringd's RSS at start
# and after each phase.
# Target: at least half the ceiling's requests/s on each path, no errors, flat memory (RSS after
# the last round no more than max(1 MiB, 5%) above RSS after the first: the first round grows
# the worker threads' stacks and the allocator's arenas once). The target is reported as met or
# not, never asserted: the script exits 1 only when something does not run.
#
#   bench/ringd_load_bench.sh [--quick] [--seconds S] [--ceiling-seconds S] [--rounds R]
#                             [--connections C] [--json]
#
#   --seconds S          each ringd phase (default 60): a round is /v1/cluster then /metrics
#   --ceiling-seconds S  each ceiling phase, right after ringd's on the same path (default 20)
#   --rounds R           rounds (default 2): with the defaults, 4 minutes of load on ringd
#   --connections C      wrk's concurrent connections (default 64, over 2 wrk threads)
#   --quick              a smoke run of about 25 s: 2 rounds of 4 s phases, 2 s ceiling phases
#   --json               one JSON document instead of the text
#
# Builds nothing: needs ringctl, ringd, ringnode and http_ceiling_bench (ninja -C build ringctl
# ringd ringnode http_ceiling_bench; $RINGCTL_BUILD, default build/; the lab finds ringd and
# ringnode beside ringctl or in $RINGCTL_RINGD, $RINGCTL_RINGNODE), and wrk and curl
# (scripts/install-deps.sh test). Addresses and ports, which no test uses: the lab on
# 127.0.0.1-3 (a ringctl lab's addresses) with storage port 26760, native port 29760, agents on
# 26770 (the one loaded is 127.0.0.1:26770); the ceiling on 127.0.81.1:26780. The lab's
# directory and cluster config ($RINGCTL_CONFIG) are temporary; everything started here is
# stopped on exit, also on failure. Run it under the integration lock:
# flock /tmp/ringctl-integration.lock bench/ringd_load_bench.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${RINGCTL_BUILD:-$root/build}
ringctl=${RINGCTL:-$build/cli/ringctl}
ceiling=${HTTP_CEILING_BENCH:-$build/bench/http_ceiling_bench}
seconds=60
ceiling_seconds=20
rounds=2
connections=64
json=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) seconds=4; ceiling_seconds=2; rounds=2; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    --ceiling-seconds) ceiling_seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --json) json=1; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "ringd_load_bench.sh: unknown argument '$1'" >&2; usage >&2; exit 1 ;;
  esac
done
for number in "$seconds" "$ceiling_seconds" "$rounds" "$connections"; do
  [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "ringd_load_bench.sh: '$number' is not a positive whole number" >&2; exit 1; }
done
for program in "$ringctl" "$ceiling"; do
  [ -x "$program" ] || { echo "ringd_load_bench.sh: $program is not built (ninja -C build ringctl ringd ringnode http_ceiling_bench)" >&2; exit 1; }
done
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "ringd_load_bench.sh: $tool is not installed (scripts/install-deps.sh test)" >&2; exit 1; }
done

storage_port=26760
native_port=29760
agent_port=26770
agent=127.0.0.1:$agent_port
ceiling_address=127.0.81.1
ceiling_port=26780
# ringd's worker threads, as agent/main.cpp sets them: the ceiling gets as many.
workers=$(sed -n 's/.*options\.worker_threads = \([0-9]*\);.*/\1/p' "$root/agent/main.cpp")
[ -n "$workers" ] || { echo "ringd_load_bench.sh: cannot read ringd's worker threads from agent/main.cpp" >&2; exit 1; }

source "$here/scratch_lab.sh" ringd-load-bench

"$ringctl" lab --dir "$work/lab" up --nodes 3 --storage-port $storage_port --native-port $native_port \
  --agent-port $agent_port >"$work/lab-up.txt"
# A lab pid file holds "<pid> <program>".
read -r agent_pid _ <"$work/lab/node1/ringd.pid"
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$agent_pid/status"; }

# The ceiling serves what ringd answered, byte for byte, with the same content types.
for path in /v1/cluster /metrics; do
  name=${path##*/}
  curl -sf -o "$work/$name.body" -w '%{content_type}' "http://$agent$path" >"$work/$name.type"
done
# In a session of its own, as the lab starts ringd: with the kernel's autogroups (on here, and
# by default on desktops), each session's processes share one slice of the CPU, and a server in
# wrk's session is woken by wrk's requests at once where a server in another waits its group's
# turn. Under a load average of 40 the same ceiling answered /metrics 12,000-27,000 req/s in
# wrk's session and 2,400-3,400 in its own (ringd: 1,800-3,100), for the same CPU per request.
# setsid execs in place (a background job of this script leads no process group), so $! is it.
setsid "$ceiling" --address $ceiling_address --port $ceiling_port --threads "$workers" \
  --serve "/v1/cluster,$work/cluster.body,$(cat "$work/cluster.type")" \
  --serve "/metrics,$work/metrics.body,$(cat "$work/metrics.type")" >"$work/ceiling.out" 2>&1 &
helper_pid=$!
for _ in $(seq 100); do
  grep -q "^listening" "$work/ceiling.out" 2>/dev/null && break
  kill -0 "$helper_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^listening' "$work/ceiling.out" || { echo "ringd_load_bench.sh: the ceiling did not start:" >&2; cat "$work/ceiling.out" >&2; exit 1; }
[ "$(readlink "/proc/$helper_pid/exe")" = "$(readlink -f "$ceiling")" ] ||
  { echo "ringd_load_bench.sh: process $helper_pid is not the ceiling (setsid forked?)" >&2; exit 1; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "start 0 - - $(rss_kib)" >"$work/phases"
# CPU time (user + system, clock ticks) process PID has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# One phase: wrk against URL for S seconds; its JSON report appended to the phases with the CPU
# the server (PID) used meanwhile and ringd's RSS.
phase() {
  local round=$1 who=$2 path=$3 duration=$4 url=$5 pid=$6 before
  before=$(cpu_ticks "$pid")
  wrk -t2 -c"$connections" -d"${duration}s" -s "$here/wrk_report.lua" "$url" >"$work/wrk.out" 2>&1 ||
    { echo "ringd_load_bench.sh: wrk failed against $url:" >&2; cat "$work/wrk.out" >&2; exit 1; }
  kill -0 "$agent_pid" 2>/dev/null || { echo "ringd_load_bench.sh: ringd exited under load" >&2; exit 1; }
  echo "$who $round $path $(($(cpu_ticks "$pid") - before)) $(rss_kib) $(tail -n 1 "$work/wrk.out")" >>"$work/phases"
}
for round in $(seq "$rounds"); do
  for path in /v1/cluster /metrics; do
    phase "$round" ringd "$path" "$seconds" "http://$agent$path" "$agent_pid"
    phase "$round" ceiling "$path" "$ceiling_seconds" "http://$ceiling_address:$ceiling_port$path" "$helper_pid"
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work/phases" "$json" "$connections" "$workers" "$seconds" "$ceiling_seconds" "$rounds" \
  "$load_start" "$load_end" "$work/cluster.body" "$work/metrics.body" "$(getconf CLK_TCK)" <<'PY'
import json, os, sys
phases_file, as_json, connections, workers, seconds, ceiling_seconds, rounds, load_start, load_end = sys.argv[1:10]
sizes = {"/v1/cluster": os.path.getsize(sys.argv[10]), "/metrics": os.path.getsize(sys.argv[11])}
ticks_per_second = int(sys.argv[12])
rss = []  # (after what, MiB)
runs = {}  # (who, path) -> wrk reports
for line in open(phases_file):
    who, round_, path, ticks, kib, *report = line.split(" ", 5)
    if who == "start":
        rss.append({"after": "start", "mib": int(kib) / 1024})
        continue
    runs.setdefault((who, path), []).append(dict(json.loads(report[0]), cpu_seconds=int(ticks) / ticks_per_second))
    if who == "ringd":
        rss.append({"after": f"round {round_} {path}", "mib": int(kib) / 1024})

def total(reports):
    requests = sum(r["requests"] for r in reports)
    secs = sum(r["seconds"] for r in reports)
    errors = {k: sum(r["errors"][k] for r in reports) for k in reports[0]["errors"]}
    cpu = sum(r["cpu_seconds"] for r in reports)
    return {"requests": requests, "seconds": secs, "requests_per_second": requests / secs,
            "cpu_seconds": cpu, "cpu_us_per_request": cpu * 1e6 / requests if requests else None,
            "p50_ms": max(r["latency_ms"]["p50"] for r in reports),
            "p99_ms": max(r["latency_ms"]["p99"] for r in reports),
            "max_ms": max(r["latency_ms"]["max"] for r in reports),
            "errors": errors, "error_count": sum(errors.values())}

paths = []
for path in ("/v1/cluster", "/metrics"):
    ours, peak = total(runs[("ringd", path)]), total(runs[("ceiling", path)])
    paths.append({"path": path, "bytes": sizes[path], "ringd": ours, "ceiling": peak,
                  "ratio": ours["requests_per_second"] / peak["requests_per_second"],
                  "cpu_ratio": peak["cpu_us_per_request"] / ours["cpu_us_per_request"]})
after_first = rss[2]["mib"]  # after round 1's two phases
last = rss[-1]["mib"]
growth = last - after_first
flat = growth <= max(1.0, 0.05 * after_first)
met = {"throughput": all(p["ratio"] >= 0.5 for p in paths),
       "no_errors": all(p["ringd"]["error_count"] == 0 for p in paths), "flat_memory": flat}
result = {"connections": int(connections), "wrk_threads": 2, "ringd_workers": int(workers),
          "seconds_per_phase": int(seconds), "ceiling_seconds_per_phase": int(ceiling_seconds),
          "rounds": int(rounds), "load_average": {"start": load_start, "end": load_end}, "paths": paths,
          "rss_mib": rss, "rss_growth_after_first_round_mib": growth, "target": met}
if as_json == "1":
    print(json.dumps(result))
    sys.exit(0)
print(f"ringd (one agent of a 3-node lab) under wrk, {connections} connections, {rounds} rounds of "
      f"{seconds} s per path (ceiling: {ceiling_seconds} s per path, right after); ringd has {workers} "
      f"worker threads, so has the ceiling; load average {load_start} at start, {load_end} at end")
print()
print("| path | bytes | ringd req/s | p50 / p99 ms | errors | CPU µs/req | ceiling req/s | p50 / p99 ms | errors "
      "| CPU µs/req | ratio | CPU ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for p in paths:
    o, c = p["ringd"], p["ceiling"]
    print(f"| {p['path']} | {p['bytes']:,} | {o['requests_per_second']:,.0f} | {o['p50_ms']:.1f} / {o['p99_ms']:.1f} | "
          f"{o['error_count']} | {o['cpu_us_per_request']:.0f} | {c['requests_per_second']:,.0f} | "
          f"{c['p50_ms']:.1f} / {c['p99_ms']:.1f} | {c['error_count']} | {c['cpu_us_per_request']:.0f} | "
          f"{p['ratio']:.2f} | {p['cpu_ratio']:.2f} |")
print()
print("errors by kind (ringd): " + "; ".join(
    f"{p['path']} " + ", ".join(f"{k} {v}" for k, v in p["ringd"]["errors"].items()) for p in paths))
print("ringd RSS (MiB): " + ", ".join(f"{r['after']} {r['mib']:.1f}" for r in rss))
print(f"RSS growth after the first round: {growth:+.2f} MiB")
print("CPU ratio: the ceiling's CPU per request over ringd's (1: as cheap as a bare server); it depends less "
      "than requests/s on what else the machine runs")
print("target: " + ", ".join(f"{k.replace('_', ' ')} {'met' if v else 'NOT met'}" for k, v in met.items()))
PY
