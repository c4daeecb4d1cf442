#!/usr/bin/env bash
# `ringctl health`, `ringctl rebalance` and `ringctl plan add` offline on the benchmark ring
# (1,000 nodes x 256 vnodes in 3 DCs, bench/make_ring.py), each next to `ringctl status` on the
# same file in the same hyperfine run: whole processes, wall time. Usage:
# bench/analysis_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
ringctl=$build/cli/ringctl
work=$(mktemp -d -t ringctl-analysis-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$root/bench/make_ring.py" -o "$work/ring.json"
ring=$work/ring.json
# health and rebalance exit 5 when they find something: that is their answer, not a failure.
hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$work/hyperfine.json" \
  -n status "$ringctl status --ring $ring nts -o json" \
  -n health "$ringctl health --ring $ring -o json" \
  -n rebalance "$ringctl rebalance --ring $ring -o json"
# plan add places 256 tokens greedily over a DC of 334 nodes: seconds, so fewer runs.
hyperfine -N --runs 1 --export-json "$work/plan.json" -n plan-add "$ringctl plan add --ring $ring --dc dc1 -o json"
/usr/bin/python3 - "$work/hyperfine.json" "$work/plan.json" <<'PY'
import json, sys
results = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        results[r["command"]] = r
status = results["status"]["mean"]
for name, r in results.items():
    print(f"{name:10s} {r['mean']:8.3f} s  ({r['mean'] / status:5.1f}x status)")
PY
