#!/usr/bin/env bash
# Live `ringctl health` against 10, 100 and 500 agents: how its wall time grows with the cluster,
# next to `ringctl status` through the same agents in the same run. Target: under 2 s at 500.
#
#   bench/health_fanout_bench.sh [--agents 10,100,500] [--runs 5] [--record] [--json]
#
# For each N, bench/make_agent_documents.py grows the documents recorded off a real lab
# (bench/agent_documents/, or freshly with --record: bench/record_agent_documents.sh, which
# starts a lab under the integration lock) to one N-node cluster, bench/recorded_agents serves
# them on 127.1.0.1, 127.1.0.2, ... port 7070 (strict: any route not recorded is refused), and a
# cluster config in a temporary directory ($RINGCTL_CONFIG) lists the N agents. One checked run
# first: health must say ok with all N agents answered and N nodes up and normal in N views;
# then hyperfine times both whole processes (`-o json health`, `-o json status`). Exits 1 when a
# check fails; the target is reported, never asserted.
#
# Prints a table (or with --json one JSON document): per N the medians and CPU times, the
# growth ratios, the fan-out's parallelism and per-agent timeout (read from
# cli/cluster_survey.h), and the target as met or not. Builds nothing: needs ringctl and
# recorded_agents (ninja -C build ringctl recorded_agents; $RINGCTL_BUILD, default build/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${RINGCTL_BUILD:-$root/build}
ringctl=${RINGCTL:-$build/cli/ringctl}
server=${RECORDED_AGENTS:-$build/bench/recorded_agents}
sizes=10,100,500
runs=5
record=0
json=0
while [ $# -gt 0 ]; do
  case $1 in
    --agents) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --record) record=1; shift ;;
    --json) json=1; shift ;;
    *) echo "usage: $0 [--agents N[,N...]] [--runs R] [--record] [--json]" >&2; exit 1 ;;
  esac
done
for program in "$ringctl" "$server"; do
  [ -x "$program" ] || { echo "$program is not built (ninja -C build ringctl recorded_agents)" >&2; exit 1; }
done
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }

work=$(mktemp -d -t ringctl-health-fanout.XXXXXX)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

recorded=$here/agent_documents
if [ $record -eq 1 ]; then
  recorded=$work/recorded
  flock /tmp/ringctl-integration.lock "$here/record_agent_documents.sh" "$recorded" >&2
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
export RINGCTL_CONFIG=$work/clusters.yaml
unset RINGCTL_TOKEN

for n in ${sizes//,/ }; do
  documents=$work/agents-$n
  /usr/bin/python3 "$here/make_agent_documents.py" "$recorded" "$documents" --agents "$n" 2>/dev/null
  "$server" "$documents" 7070 >"$work/server-$n.out" 2>"$work/server-$n.err" &
  server_pid=$!
  for _ in $(seq 600); do
    grep -q '^ready' "$work/server-$n.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server-$n.err" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "^ready $n\$" "$work/server-$n.out" || { echo "recorded_agents did not start $n agents" >&2; exit 1; }
  /usr/bin/python3 - "$n" "$RINGCTL_CONFIG" <<'PY'
import ipaddress, json, sys
n, path = int(sys.argv[1]), sys.argv[2]
agents = [f"{ipaddress.ip_address('127.1.0.1') + j}:7070" for j in range(n)]
open(path, "w").write("default: bench\nclusters:\n  bench:\n    agents: " + json.dumps(agents) + "\n")
PY

  # One checked run: a real verdict over N nodes, every agent answered.
  status=0
  "$ringctl" -o json health >"$work/health-$n.json" 2>"$work/health-$n.err" || status=$?
  /usr/bin/python3 - "$n" "$status" "$work/health-$n.json" "$work/health-$n.err" <<'PY'
import json, sys
n, status = int(sys.argv[1]), int(sys.argv[2])
try:
    doc = json.load(open(sys.argv[3]))
except ValueError:
    sys.exit(f"health at {n} agents exited {status} without a document: {open(sys.argv[4]).read()}")
checks = {c["name"]: c for c in doc["checks"]}
problems = [f"{c['name']} {c['status']}: {c['message']}" for c in doc["checks"] if c["status"] not in ("ok", "unknown")]
expected = {"agents_reachable": f"all {n} agents answered", "nodes_up_normal": f"{n} nodes up and normal in {n} views"}
for name, message in expected.items():
    if checks[name]["message"] != message:
        problems.append(f"{name}: '{checks[name]['message']}', expected '{message}'")
if status != 0 or doc["status"] != "ok" or problems:
    sys.exit(f"health at {n} agents: exit {status}, status {doc['status']}: " + "; ".join(problems))
PY

  hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/times-$n.json" \
    -n health "$ringctl -o json health" -n status "$ringctl -o json status" >/dev/null 2>&1
  stop_server
  tail -n 1 "$work/server-$n.out" >"$work/requests-$n.json"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$work" "$sizes" "$runs" "$json" "$root/cli/cluster_survey.h" "$load_start" "$load_end" <<'PY'
import json, re, sys
work, sizes, runs, as_json, survey_h, load_start, load_end = sys.argv[1:]
sizes = [int(n) for n in sizes.split(",")]
header = open(survey_h).read()
parallelism = int(re.search(r"parallelism = (\d+)", header).group(1))
timeout = re.search(r"timeout = std::chrono::(\w+)\((\d+)\)", header).groups()
rows = []
for n in sizes:
    times = {r["command"]: r for r in json.load(open(f"{work}/times-{n}.json"))["results"]}
    cpu = lambda r: r["user"] + r["system"]
    rows.append({"agents": n,
                 "health_median_s": times["health"]["median"], "health_cpu_s": cpu(times["health"]),
                 "status_median_s": times["status"]["median"], "status_cpu_s": cpu(times["status"]),
                 "requests": json.load(open(f"{work}/requests-{n}.json"))["requests"]})
growth = {f"{b['agents']}/{a['agents']}": b["health_median_s"] / a["health_median_s"] for a, b in zip(rows, rows[1:])}
largest = rows[-1]
result = {"runs": int(runs), "parallelism": parallelism, "per_agent_timeout": f"{timeout[1]} {timeout[0]}",
          "load_average": {"start": load_start, "end": load_end}, "sizes": rows, "health_growth": growth,
          "target": {"agents": 500, "seconds": 2.0,
                     "met": None if largest["agents"] != 500 else largest["health_median_s"] < 2.0}}
if as_json == "1":
    print(json.dumps(result))
    sys.exit(0)
print(f"ringctl health fan-out: parallelism {parallelism}, per-agent timeout {result['per_agent_timeout']}, "
      f"{runs} runs each; load average {load_start} at start, {load_end} at end")
print()
print("| agents | health (median) | health CPU | status (median) | status CPU | health / status |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    print(f"| {r['agents']} | {r['health_median_s'] * 1000:,.0f} ms | {r['health_cpu_s'] * 1000:,.0f} ms | "
          f"{r['status_median_s'] * 1000:,.0f} ms | {r['status_cpu_s'] * 1000:,.0f} ms | "
          f"{r['health_median_s'] / r['status_median_s']:.1f}x |")
print()
print("health growth: " + ", ".join(f"{k}: {v:.1f}x" for k, v in growth.items()))
print("requests served at the largest size (both commands, all runs): " +
      ", ".join(f"{k} {v}" for k, v in largest["requests"].items()))
met = result["target"]["met"]
print("target under 2 s at 500 agents: " + ("not measured (no 500 in --agents)" if met is None else
      ("met" if met else "NOT met") + f" ({largest['health_median_s']:.2f} s)"))
PY
