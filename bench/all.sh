#!/usr/bin/env bash
# Every benchmark of the project, each next to its peer or ceiling measured in the same run,
# printed as the one table of bench/README.md (markdown rows: benchmark, ours, peer or ceiling,
# ratio, command). Rows that this script does not measure yet print "not yet measured" and the
# command that measures them.
#
#   bench/all.sh [--quick] [--only NAME[,NAME...]]
#
#   --quick   smaller runs (10,000 stress rows, 3 status runs, 4 s wrk phases, 5 health runs):
#             minutes instead of tens of minutes
#   --only    run only these rows: status, lab-stress, health-fanout, ringd-load, health-scraped
#             (the others print their command)
#
# Builds nothing: build ringctl, ringnode, ringd, ringcore_bench, http_ceiling_bench and
# recorded_agents first (ninja -C build ringctl ringnode ringd ringcore_bench http_ceiling_bench
# recorded_agents); the load rows need wrk and prometheus (scripts/install-deps.sh test).
# Starts labs, so run it under the integration lock:
# flock /tmp/ringctl-integration.lock bench/all.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${RINGCTL_BUILD:-$root/build}
ringctl=${RINGCTL:-$build/cli/ringctl}
driver_python=${DRIVER_PYTHON:-/usr/bin/python3}
quick=0
only=status,lab-stress,health-fanout,ringd-load,health-scraped
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --only) only=$2; shift 2 ;;
    *) echo "usage: $0 [--quick] [--only NAME[,NAME...]]" >&2; exit 1 ;;
  esac
done
wanted() { [[ ",$only," == *",$1,"* ]]; }
work=$(mktemp -d -t ringctl-bench-all.XXXXXX)
trap 'rm -rf "$work"' EXIT

row() { printf '| %s | %s | %s | %s | `%s` |\n' "$@"; }
not_yet() { row "$1" "not yet measured" "$2" "" "$3"; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| benchmark | ours | peer or ceiling (same run) | ratio | command |"
echo "| --- | ---: | ---: | ---: | --- |"

# Whole process: ringctl status on the 1,000-node x 256-vnode, 3-DC ring against two DataStax
# driver scripts (bench/driver_peer.py): the lean peer of issue 16 doing only the replica map and
# the ownership sums (target: ringctl at least 20x faster), and the full peer that also builds
# the same document.
if wanted status; then
  runs=$([ $quick -eq 1 ] && echo 3 || echo 10)
  lean_runs=$([ $quick -eq 1 ] && echo 2 || echo 5)
  /usr/bin/python3 "$here/make_ring.py" -o "$work/ring.json"
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/status.json" \
    -n ringctl "$ringctl status --ring $work/ring.json nts -o json" >/dev/null 2>&1
  hyperfine -N --runs "$lean_runs" --export-json "$work/lean.json" \
    -n lean "$driver_python $here/driver_peer.py lean $work/ring.json nts" >/dev/null 2>&1
  hyperfine -N --runs 1 --export-json "$work/driver.json" \
    -n driver "$driver_python $here/driver_peer.py status $work/ring.json nts" >/dev/null 2>&1
  /usr/bin/python3 - "$work/status.json" "$work/lean.json" "$work/driver.json" <<'PY'
import json, sys
ours, lean, full = (json.load(open(path))["results"][0] for path in sys.argv[1:4])
cpu = lambda r: r["user"] + r["system"]
ratio = lambda peer: f"{peer['median'] / ours['median']:.1f}x wall, {cpu(peer) / cpu(ours):.1f}x CPU"
met = "met" if lean["median"] / ours["median"] >= 20 else "**not met**"
print(f"| `ringctl status --ring FILE nts -o json`, 1,000 x 256 x 3 DCs, whole process | "
      f"{ours['median'] * 1000:.0f} ms (CPU {cpu(ours) * 1000:.0f} ms) | "
      f"lean driver peer (`driver_peer.py lean`: replica map and ownership sums only): "
      f"{lean['median']:.2f} s (CPU {cpu(lean):.2f} s); full peer (`driver_peer.py status`, the same document): "
      f"{full['median']:.2f} s (CPU {cpu(full):.2f} s) | "
      f"lean: {ratio(lean)} (target 20x wall: {met}); full: {ratio(full)} | `bench/all.sh --only status` |")
PY
else
  not_yet "ringctl status, 1,000 x 256 x 3 DCs, whole process" "driver_peer.py status" "bench/all.sh --only status"
fi

# lab stress at QUORUM on 3 nodes against a bare cpp-httplib keep-alive server and clients.
if wanted lab-stress; then
  rows=$([ $quick -eq 1 ] && echo 10000 || echo 50000)
  RINGCTL=$ringctl HTTP_CEILING_BENCH=${HTTP_CEILING_BENCH:-$build/bench/http_ceiling_bench} \
    "$here/lab_bench.sh" --rows "$rows" --json >"$work/lab.json"
  /usr/bin/python3 - "$work/lab.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat, clat = r["latency_ms"], r["ceiling_latency_ms"]
print(f"| `lab stress` QUORUM, 3 nodes, {r['rows']:,} rows, 8 threads | {r['rows_per_second']:,.0f} rows/s, "
      f"p99 {lat['p99']:.1f} ms | bare cpp-httplib keep-alive: {r['ceiling_rows_per_second']:,.0f} rows/s, "
      f"p99 {clat['p99']:.1f} ms | {r['ratio']:.2f} of the ceiling | `bench/all.sh --only lab-stress` |")
PY
else
  not_yet "lab stress QUORUM, 3 nodes" "bare cpp-httplib keep-alive" "bench/all.sh --only lab-stress"
fi

# Live health against 10, 100 and 500 agents answering recorded documents on 127.1.0.0/16
# (bench/health_fanout_bench.sh), next to status through the same agents; target under 2 s at 500.
if wanted health-fanout; then
  runs=$([ $quick -eq 1 ] && echo 3 || echo 5)
  RINGCTL=$ringctl RECORDED_AGENTS=${RECORDED_AGENTS:-$build/bench/recorded_agents} \
    "$here/health_fanout_bench.sh" --runs "$runs" --json >"$work/fanout.json"
  /usr/bin/python3 - "$work/fanout.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sizes = {s["agents"]: s for s in r["sizes"]}
ours = ", ".join(f"{n}: {s['health_median_s'] * 1000:,.0f} ms" for n, s in sizes.items())
peer = ", ".join(f"{n}: {s['status_median_s'] * 1000:,.0f} ms" for n, s in sizes.items())
growth = ", ".join(f"{k} {v:.1f}x" for k, v in r["health_growth"].items())
met = {True: "met", False: "not met", None: "not measured"}[r["target"]["met"]]
print(f"| live `ringctl health`, 10/100/500 recorded agents, parallelism {r['parallelism']} | {ours} "
      f"(growth {growth}; target < 2 s at 500: {met}) | `ringctl status` through the same agents: {peer} | "
      f"{sizes[max(sizes)]['health_median_s'] / sizes[max(sizes)]['status_median_s']:.0f}x at {max(sizes)} | "
      f"`bench/all.sh --only health-fanout` |")
PY
else
  not_yet "live health, 10/100/500 recorded agents" "ringctl status through the same agents" "bench/all.sh --only health-fanout"
fi

# ringd under wrk on /v1/cluster and /metrics against a bare cpp-httplib server answering the
# same bytes (bench/ringd_load_bench.sh); target at least half the ceiling, no errors, flat RSS.
if wanted ringd-load; then
  RINGCTL=$ringctl HTTP_CEILING_BENCH=${HTTP_CEILING_BENCH:-$build/bench/http_ceiling_bench} \
    "$here/ringd_load_bench.sh" $([ $quick -eq 1 ] && echo --quick) --json >"$work/ringd-load.json"
  /usr/bin/python3 - "$work/ringd-load.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = {x["path"]: x for x in r["paths"]}
ours = "; ".join(f"{k} {v['ringd']['requests_per_second']:,.0f} req/s, p99 {v['ringd']['p99_ms']:.1f} ms, "
                 f"{v['ringd']['error_count']} errors" for k, v in p.items())
peak = "; ".join(f"{k} {v['ceiling']['requests_per_second']:,.0f} req/s, p99 {v['ceiling']['p99_ms']:.1f} ms"
                 for k, v in p.items())
rss = r["rss_mib"]
met = ", ".join(f"{k.replace('_', ' ')} {'met' if v else 'NOT met'}" for k, v in r["target"].items())
ratios = " / ".join(f"{v['ratio']:.2f}" for v in p.values()) + " of the ceiling"
print(f"| ringd under wrk, {r['connections']} connections, {r['rounds']} rounds of {r['seconds_per_phase']} s per path "
      f"| {ours}; RSS {rss[0]['mib']:.1f} MiB at start, {rss[-1]['mib']:.1f} at end "
      f"({r['rss_growth_after_first_round_mib']:+.2f} after the first round) "
      f"| bare cpp-httplib, same bytes and workers: {peak} "
      f"| {ratios} "
      f"(target: {met}) | `bench/all.sh --only ringd-load` |")
PY
else
  not_yet "ringd under wrk, /v1/cluster and /metrics" "bare cpp-httplib, same bytes" "bench/all.sh --only ringd-load"
fi

# Live health and status against a 10-node lab whose agents a real Prometheus scrapes each
# second, next to the same commands unscraped in the same run (bench/health_scraped_bench.sh).
if wanted health-scraped; then
  RINGCTL=$ringctl "$here/health_scraped_bench.sh" $([ $quick -eq 1 ] && echo --quick) --json >"$work/scraped.json"
  /usr/bin/python3 - "$work/scraped.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
fmt = lambda side: ", ".join(f"{c} {side[c]['median_ms']:.0f} ms (p95 {side[c]['p95_ms']:.0f})" for c in ("health", "status"))
prom = r["prometheus"]
print(f"| live `ringctl health` and `status`, {r['agents']}-node lab, every agent scraped each second by Prometheus "
      f"({prom['scrapes']} scrapes, {prom['failed']} failed, the slowest {prom['slowest_scrape_ms']:.0f} ms), {r['runs']} runs | {fmt(r['scraped'])} "
      f"| the same, unscraped: {fmt(r['unscraped'])} "
      f"| {', '.join(f'{c} {v:.2f}x' for c, v in r['ratio'].items())} | `bench/all.sh --only health-scraped` |")
PY
else
  not_yet "live health and status, 10 agents scraped each second" "the same, unscraped" "bench/all.sh --only health-scraped"
fi

# Not yet folded into this script: each has its own script printing both sides.
not_yet "ringcore hot paths (murmur3, getendpoints, ownership, parse)" "DataStax driver, same ring" "bench/run.sh"
not_yet "gossip: rounds until all know (10, 100, 1,000 nodes)" "log2(N)" "build/bench/gossip_convergence"
not_yet "allocator balance" "random tokens" "build/bench/token_allocation_bench"
not_yet "streaming: bootstrap streaming phase" "cp + fsync of the same bytes" "bench/streaming_bench.sh"
not_yet "repair of unchanged data" "RocksDB scan of the same keys (not yet written)" "bench/streaming_bench.sh"
not_yet "ringd RSS, CPU, /metrics latency" "targets: 15 MiB, 1% of a core" "bench/ringd_bench.sh"
not_yet "live status through an agent, 6-node lab" "driver_peer.py status http://AGENT" "bench/live_status_bench.sh"
not_yet "health, rebalance, plan add offline" "ringctl status, same ring" "bench/analysis_bench.sh"
not_yet "ringctl status vs nodetool status, real Cassandra 5.0" "nodetool" "bench/cassandra_status_bench.sh"
not_yet "request statistics per request" "a coordinated write" "build/bench/request_stats_bench"
not_yet "Merkle tree build and difference" "" "build/bench/merkle_tree_bench"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
