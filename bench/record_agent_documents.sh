#!/usr/bin/env bash
# Records what a real lab's agents (ringd) answer on every route `ringctl health` and
# `ringctl status` ask, for bench/make_agent_documents.py to generalise to hundreds of agents;
# and times, in the same run, live `ringctl health` against every agent of that lab next to
# `ringctl status` through the same agents.
#
#   flock /tmp/ringctl-integration.lock bench/record_agent_documents.sh OUT_DIR [RUNS]
#
# Starts a 6-node lab (dc1:3, dc2:3, 3 racks, 16 tokens per node) with agents, on ports no test
# uses (storage 27900, native 29900, agents 7990), writes 3,000 rows (keyspace stress, rf 3 per
# DC) and reads them back, waits until `ringctl health` says ok in every node's view, writes
# OUT_DIR/ADDRESS/v1/{cluster,node,jobs,streams}.json for each agent as it answered, prints the
# hyperfine medians as one JSON line, and takes the lab down. Starts a lab: run it under the
# integration lock. Builds nothing: needs ringctl, ringd and ringnode built ($RINGCTL_BUILD,
# default build/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${RINGCTL_BUILD:-$root/build}
ringctl=${RINGCTL:-$build/cli/ringctl}
out=${1:?usage: $0 OUT_DIR [RUNS]}
runs=${2:-10}
routes="/v1/cluster /v1/node /v1/jobs /v1/streams"

work=$(mktemp -d -t ringctl-record-agents.XXXXXX)
export RINGCTL_CONFIG=$work/clusters.yaml
unset RINGCTL_TOKEN
lab() { "$ringctl" lab --dir "$work/lab" "$@"; }
cleanup() {
  lab down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

lab up --dcs dc1:3,dc2:3 --racks 3 --num-tokens 16 --storage-port 27900 --native-port 29900 \
  --agent-port 7990 --timeout 120 >&2
# A keyspace (stress: rf 3 in each DC) with rows written and read back, so that the documents
# carry a keyspace, loads and both latencies.
lab stress --rows 3000 --threads 4 >&2
lab verify >&2
"$ringctl" -o json lab --dir "$work/lab" list >"$work/lab.json"
agents=$(/usr/bin/python3 -c 'import json,sys; print(" ".join(n["address"] for n in json.load(open(sys.argv[1]))["nodes"]))' "$work/lab.json")
# Settled in every node's view before recording: health ok, and each agent's view of the
# cluster holds the keyspace and every node's load (gossiped a few seconds after the writes).
settled() {
  "$ringctl" -o json health >"$work/health.json" 2>/dev/null || return 1
  /usr/bin/python3 - "$work/health.json" $agents <<'PY'
import json, sys, urllib.request
if json.load(open(sys.argv[1]))["status"] != "ok":
    sys.exit(1)
for address in sys.argv[2:]:
    view = json.load(urllib.request.urlopen(f"http://{address}:7990/v1/cluster", timeout=10))["snapshot"]
    if not view["keyspaces"] or any(node["load_bytes"] == 0 for node in view["nodes"]):
        sys.exit(1)
PY
}
for _ in $(seq 120); do settled && break; sleep 1; done
settled || { echo "the lab did not settle in 120 s: $(cat "$work/health.json")" >&2; exit 1; }

for address in $agents; do
  for route in $routes; do
    mkdir -p "$out/$address/v1"
    /usr/bin/python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
      "http://$address:7990$route" >"$out/$address$route.json"
  done
done
echo "recorded $(echo $routes | wc -w) routes of $(echo $agents | wc -w) agents into $out" >&2

hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/times.json" \
  -n health "$ringctl -o json health" -n status "$ringctl -o json status" >/dev/null 2>&1
/usr/bin/python3 - "$work/times.json" "$agents" <<'PY'
import json, sys
times = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print(json.dumps({"agents": len(sys.argv[2].split()),
                  "health_median_s": times["health"]["median"], "status_median_s": times["status"]["median"]}))
PY
