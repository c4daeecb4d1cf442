#!/usr/bin/env bash
# `ringctl status` against a live 6-node lab through its agents, next to the DataStax Python
# driver doing the same: one HTTP request for the cluster, the driver's token map and replica
# map, effective ownership, the status document. Both whole processes, timed by hyperfine in
# the same run.
#
#   bench/live_status_bench.sh [--runs N] [--json] [BUILD_DIR]
#
#   --runs N  hyperfine runs of each command (default 30)
#   --json    one JSON object (median, mean and CPU of both, the ratio) instead of the text;
#             hyperfine's own output then goes to stderr
#
# The lab: 127.0.0.1-6, storage 27300, native 29300, agents 27370, in a temporary directory and
# $RINGCTL_CONFIG; taken down on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=30
format=text
build=$root/build
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --json) format=json; shift ;;
    -*) echo "usage: $0 [--runs N] [--json] [BUILD_DIR]" >&2; exit 1 ;;
    *) build=$1; shift ;;
  esac
done
ringctl=$build/cli/ringctl
work=$(mktemp -d -t ringctl-live-status.XXXXXX)
export RINGCTL_CONFIG=$work/clusters.yaml
lab() { "$ringctl" lab --dir "$work/lab" "$@"; }
trap 'lab down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

lab up --dcs dc1:3,dc2:3 --storage-port 27300 --native-port 29300 --agent-port 27370 >/dev/null
lab stress --rows 2000 --keyspace bench >/dev/null
agent=127.0.0.1:27370

# Both must print the same ownership before their times mean anything.
"$ringctl" -h "$agent" status bench -o json >"$work/ringctl.json"
/usr/bin/python3 "$root/bench/driver_peer.py" status "http://$agent" bench >"$work/driver.json"
/usr/bin/python3 - "$work/ringctl.json" "$work/driver.json" <<'PY'
import json, sys
def owns(path):
    doc = json.load(open(path))
    return {n["address"]: n["owns_pct"] for dc in doc["datacenters"] for n in dc["nodes"]}
a, b = owns(sys.argv[1]), owns(sys.argv[2])
assert a.keys() == b.keys(), (a, b)
for address in a:
    assert abs(a[address] - b[address]) < 0.01, (address, a[address], b[address])
print("ownership agrees on", len(a), "nodes", file=sys.stderr)
PY

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/hyperfine.json" \
  -n ringctl "$ringctl -h $agent status bench -o json" \
  -n python-driver "/usr/bin/python3 $root/bench/driver_peer.py status http://$agent bench" >&2
/usr/bin/python3 - "$work/hyperfine.json" "$format" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
ours, peer = results["ringctl"], results["python-driver"]
if sys.argv[2] == "json":
    side = lambda r: {"median_ms": r["median"] * 1000, "mean_ms": r["mean"] * 1000,
                      "cpu_ms": (r["user"] + r["system"]) * 1000, "runs": len(r["times"])}
    print(json.dumps({"nodes": 6, "ringctl": side(ours), "driver": side(peer),
                      "ratio_median": peer["median"] / ours["median"],
                      "ratio_cpu": (peer["user"] + peer["system"]) / (ours["user"] + ours["system"])}))
    sys.exit(0)
print(f"ringctl status (6-node lab, via ringd): {ours['mean']*1000:.1f} ms mean, {ours['median']*1000:.1f} ms median")
print(f"python driver, same request and table:  {peer['mean']*1000:.1f} ms mean, {peer['median']*1000:.1f} ms median")
print(f"ratio (driver / ringctl, mean): {peer['mean']/ours['mean']:.1f}x")
PY
