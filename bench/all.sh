#!/usr/bin/env bash
# Every benchmark of the project, each next to its peer or ceiling measured in the same run,
# printed as the one table of bench/README.md (markdown rows: benchmark, ours, peer or ceiling,
# ratio, command). This script only orchestrates: each row runs the script or program that
# measures it (in its machine-readable mode) and formats what it printed.
#
#   bench/all.sh [--quick] [--only NAME[,NAME...]] [--with-cassandra]
#
#   --quick           smaller runs (each row's comment says what it shortens): a whole run took
#                     9-10.5 minutes at load average 15-47 on 2 shared cores
#   --only            run only these rows (the others print their command):
#                       status          ringctl status vs driver_peer.py, 1,000 x 256 x 3 DCs
#                       lab-stress      lab stress vs a bare cpp-httplib keep-alive server
#                       hint-replay     hints to a replica back from down vs the write rate
#                       health-fanout   live health vs status, 10/100/500 recorded agents
#                       ringd-load      ringd under wrk vs a bare cpp-httplib server
#                       health-scraped  live health and status, scraped vs unscraped
#                       ringcore        ringcore hot paths vs the DataStax driver (bench/run.sh)
#                       gossip          gossip rounds until all know vs log2(N)
#                       allocator       the token allocator's balance vs random tokens
#                       streaming       streaming vs cp + fsync, repair vs a RocksDB scan
#                       ringd           ringd's RSS, CPU and /metrics latency vs its targets
#                       live-status     status through an agent vs driver_peer.py
#                       analysis        offline health, rebalance, plan add vs status
#                       request-stats   request statistics per request vs a coordinated write
#                                       (the write's p50 comes from lab-stress in the same run)
#                       merkle          Merkle tree build and difference
#                       cassandra       ringctl status via ringd vs nodetool, real Cassandra
#                                       5.0: starts a Cassandra cluster, so it runs only when
#                                       named here or with --with-cassandra
#   --with-cassandra  the selected rows and the cassandra row ($CASSANDRA_RUN_DIR: use that
#                     running cassandra_cluster.py cluster instead of starting one)
#
# Builds nothing: build ringctl, ringnode, ringd, ringcore_bench, http_ceiling_bench,
# recorded_agents, gossip_convergence, token_allocation_bench, request_stats_bench and
# merkle_tree_bench first (ninja -C build ringctl ringnode ringd ringcore_bench
# http_ceiling_bench recorded_agents gossip_convergence token_allocation_bench
# request_stats_bench merkle_tree_bench); the load rows need wrk, prometheus and hyperfine
# (scripts/install-deps.sh test). Starts labs, each on its own ports (see each script), one
# after the other, so run it under the integration lock:
# flock /tmp/ringctl-integration.lock bench/all.sh
# Each row's script writes its progress to a log; a row whose script fails prints FAILED and
# the log's tail goes to stderr; the other rows still run, and the exit status is then 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${RINGCTL_BUILD:-$root/build}
ringctl=${RINGCTL:-$build/cli/ringctl}
driver_python=${DRIVER_PYTHON:-/usr/bin/python3}
quick=0
all_rows=status,lab-stress,hint-replay,health-fanout,ringd-load,health-scraped,ringcore,gossip,allocator,streaming,ringd,live-status,analysis,request-stats,merkle
only=$all_rows
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --only) only=$2; shift 2 ;;
    --with-cassandra) with_cassandra=1; shift ;;
    *) echo "usage: $0 [--quick] [--only NAME[,NAME...]] [--with-cassandra]" >&2; exit 1 ;;
  esac
done
[ -n "${with_cassandra:-}" ] && only=$only,cassandra
for name in ${only//,/ }; do
  [[ ",$all_rows,cassandra," == *",$name,"* ]] || { echo "all.sh: no row named '$name' (rows: $all_rows,cassandra)" >&2; exit 1; }
done
wanted() { [[ ",$only," == *",$1,"* ]]; }
work=$(mktemp -d -t ringctl-bench-all.XXXXXX)
trap 'rm -rf "$work"' EXIT

row() { printf '| %s | %s | %s | %s | `%s` |\n' "$@"; }
not_yet() { row "$1" "not yet measured" "$2" "" "$3"; }
failed=0
# measure NAME OUT COMMAND...: runs COMMAND with its stdout in OUT and its stderr in NAME's log.
# On failure prints the row as FAILED, the log's tail on stderr, and returns 1.
measure() {
  local name=$1 out=$2 status=0; shift 2
  echo "[$(date -u +%T)] $name: $*" >&2
  "$@" >"$out" 2>"$work/$name.log" || status=$?
  [ $status -eq 0 ] && return 0
  failed=1
  echo "[$(date -u +%T)] $name failed (exit $status); the end of its log:" >&2
  tail -n 20 "$work/$name.log" >&2
  row "$name" "FAILED (exit $status)" "" "" "bench/all.sh --only $name"
  return 1
}
quick_or() { [ $quick -eq 1 ] && echo "$1" || echo "$2"; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| benchmark | ours | peer or ceiling (same run) | ratio | command |"
echo "| --- | ---: | ---: | ---: | --- |"

# Whole process: ringctl status on the 1,000-node x 256-vnode, 3-DC ring against two DataStax
# driver scripts (bench/driver_peer.py): the lean peer of issue 16 doing only the replica map and
# the ownership sums (target: ringctl at least 20x faster), and the full peer that also builds
# the same document.
# Writes status.json, lean.json and driver.json (hyperfine's) into $work.
time_status_and_peers() {
  local runs lean_runs
  runs=$([ $quick -eq 1 ] && echo 3 || echo 10)
  lean_runs=$([ $quick -eq 1 ] && echo 2 || echo 5)
  /usr/bin/python3 "$here/make_ring.py" -o "$work/ring.json"
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/status.json" \
    -n ringctl "$ringctl status --ring $work/ring.json nts -o json"
  hyperfine -N --runs "$lean_runs" --export-json "$work/lean.json" \
    -n lean "$driver_python $here/driver_peer.py lean $work/ring.json nts"
  hyperfine -N --runs 1 --export-json "$work/driver.json" \
    -n driver "$driver_python $here/driver_peer.py status $work/ring.json nts"
}
if wanted status; then
  if measure status "$work/status.out" time_status_and_peers; then
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
  fi
else
  not_yet "ringctl status, 1,000 x 256 x 3 DCs, whole process" "driver_peer.py status" "bench/all.sh --only status"
fi

# lab stress at QUORUM on 3 nodes against a bare cpp-httplib keep-alive server and clients.
if wanted lab-stress; then
  rows=$([ $quick -eq 1 ] && echo 10000 || echo 50000)
  if measure lab-stress "$work/lab.json" env RINGCTL="$ringctl" \
      HTTP_CEILING_BENCH=${HTTP_CEILING_BENCH:-$build/bench/http_ceiling_bench} "$here/lab_bench.sh" --rows "$rows" --json; then
  /usr/bin/python3 - "$work/lab.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat, clat = r["latency_ms"], r["ceiling_latency_ms"]
print(f"| `lab stress` QUORUM, 3 nodes, {r['rows']:,} rows, 8 threads | {r['rows_per_second']:,.0f} rows/s, "
      f"p99 {lat['p99']:.1f} ms | bare cpp-httplib keep-alive: {r['ceiling_rows_per_second']:,.0f} rows/s, "
      f"p99 {clat['p99']:.1f} ms | {r['ratio']:.2f} of the ceiling; CPU per row {r['cpu_ratio']:.2f} of ours "
      f"({sum(r['cpu_us_per_row'].values()):.0f} µs against {r['ceiling_cpu_us_per_row']:.0f}) "
      f"| `bench/all.sh --only lab-stress` |")
PY
  fi
else
  not_yet "lab stress QUORUM, 3 nodes" "bare cpp-httplib keep-alive" "bench/all.sh --only lab-stress"
fi

# Hint replay to a replica back after missing every write of a stress run, against the rate the
# same cluster acknowledged those writes (bench/hint_replay_bench.sh).
if wanted hint-replay; then
  rows=$([ $quick -eq 1 ] && echo 5000 || echo 20000)
  if measure hint-replay "$work/hints.json" env RINGCTL="$ringctl" "$here/hint_replay_bench.sh" --rows "$rows" --json; then
  /usr/bin/python3 - "$work/hints.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| hint replay to a replica back from down, 3 nodes, RF 3, {r['hints']:,} hints | {r['hints_per_second']:,.0f} hints/s "
      f"({r['replay_seconds']:.2f} s; after it: {r['under_replicated']} rows under-replicated) | the same cluster's QUORUM "
      f"writes that made them: {r['write_rows_per_second']:,.0f} rows/s | {r['ratio']:.1f}x the write rate | "
      f"`bench/all.sh --only hint-replay` |")
PY
  fi
else
  not_yet "hint replay to a replica back from down, 3 nodes" "the writes that made them" "bench/all.sh --only hint-replay"
fi

# Live health against 10, 100 and 500 agents answering recorded documents on 127.1.0.0/16
# (bench/health_fanout_bench.sh), next to status through the same agents; target under 2 s at 500.
if wanted health-fanout; then
  runs=$([ $quick -eq 1 ] && echo 3 || echo 5)
  if measure health-fanout "$work/fanout.json" env RINGCTL="$ringctl" \
      RECORDED_AGENTS=${RECORDED_AGENTS:-$build/bench/recorded_agents} "$here/health_fanout_bench.sh" --runs "$runs" --json; then
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
  fi
else
  not_yet "live health, 10/100/500 recorded agents" "ringctl status through the same agents" "bench/all.sh --only health-fanout"
fi

# ringd under wrk on /v1/cluster and /metrics against a bare cpp-httplib server answering the
# same bytes (bench/ringd_load_bench.sh); target at least half the ceiling, no errors, flat RSS.
if wanted ringd-load; then
  if measure ringd-load "$work/ringd-load.json" env RINGCTL="$ringctl" \
      HTTP_CEILING_BENCH=${HTTP_CEILING_BENCH:-$build/bench/http_ceiling_bench} \
      "$here/ringd_load_bench.sh" $([ $quick -eq 1 ] && echo --quick) --json; then
  /usr/bin/python3 - "$work/ringd-load.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = {x["path"]: x for x in r["paths"]}
def errors(server):  # the count, and its kinds when there are any: a read error is not a timeout
    kinds = ", ".join(f"{kind} {n}" for kind, n in server["errors"].items() if n)
    return f"{server['error_count']} errors" + (f" ({kinds})" if kinds else "")
ours = "; ".join(f"{k} {v['ringd']['requests_per_second']:,.0f} req/s, p99 {v['ringd']['p99_ms']:.1f} ms, "
                 f"{errors(v['ringd'])}" for k, v in p.items())
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
  fi
else
  not_yet "ringd under wrk, /v1/cluster and /metrics" "bare cpp-httplib, same bytes" "bench/all.sh --only ringd-load"
fi

# Live health and status against a 10-node lab whose agents a real Prometheus scrapes each
# second, next to the same commands unscraped in the same run (bench/health_scraped_bench.sh).
if wanted health-scraped; then
  if measure health-scraped "$work/scraped.json" env RINGCTL="$ringctl" \
      "$here/health_scraped_bench.sh" $([ $quick -eq 1 ] && echo --quick) --json; then
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
  fi
else
  not_yet "live health and status, 10 agents scraped each second" "the same, unscraped" "bench/all.sh --only health-scraped"
fi

# ringcore's hot paths against the DataStax driver on the same 1,000 x 256 x 3-DC ring
# (bench/run.sh; --quick: 3 repetitions of each benchmark, one driver run of each).
if wanted ringcore; then
  if measure ringcore "$work/ringcore.json" env RINGCTL="$ringctl" DRIVER_PYTHON="$driver_python" \
      RINGCORE_BENCH=${RINGCORE_BENCH:-$build/bench/ringcore_bench} "$here/run.sh" $(quick_or --quick "") --json; then
    /usr/bin/python3 - "$work/ringcore.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows, t, c = r["rows"], r["targets"], r["consistency"]
def fig(x, unit):
    if unit == "ms" and x >= 1000:
        return f"{x / 1000:,.2f} s"
    return {"MB/s": f"{x:,.0f} MB/s", "/s": f"{x:,.0f} lookups/s", "ms": f"{x:,.1f} ms",
            "s": f"{x:.3f} s", "MiB": f"{x:,.0f} MiB"}[unit]
def side(row, who):
    v = row[who]
    return fig(v["wall"], row["unit"]) + (f" (CPU {fig(v['cpu'], row['unit'])})" if "cpu" in v and row["unit"] in ("ms", "s") else "")
def ratio(row):
    w, cpu = row["ratio_wall"], row["ratio_cpu"]
    return (f"{w:,.1f}x" if w is not None else "n/a") + (f" ({cpu:,.1f}x CPU)" if cpu is not None else "")
d = r["driver"]
peer = f"driver {d['driver_version']}"
def line(label, names, extra="", peer=peer):
    print(f"| ringcore: {label} | {' / '.join(side(rows[n], 'ringctl') for n in names)}{extra} | "
          f"{peer}: {' / '.join(side(rows[n], 'driver') for n in names)} | "
          f"{' / '.join(ratio(rows[n]) for n in names)} | `bench/all.sh --only ringcore` |")
line("murmur3, 16-byte / 1 KiB keys", ["murmur3, 16-byte keys", "murmur3, 1 KiB keys"],
     peer=f"{peer}, {d['murmur3_impl']}")
line("getendpoints: token and replicas of a random key", ["getendpoints lookups"])
own = t["ownership_ms"]
line(f"effective ownership of the benchmark ring ({r['ring_tokens']:,} tokens), ring build included",
     ["effective ownership (build+place+sum)"],
     f"; target < {own['target']:.0f} ms: {'met' if own['met'] else '**not met**'}")
line("parse the snapshot", ["parse snapshot"])
wp = t["whole_process_ratio"]
line("`status --ring FILE nts -o json`, whole process, and its peak RSS (the status row's pair, timed by run.sh)",
     ["whole process: status KEYSPACE -o json", "peak RSS of that process"],
     f"; target {wp['target']:.0f}x the driver: {'met' if wp['met'] else '**not met**'}; owns_pct agrees within "
     f"{c['owns_pct_max_difference_pp']:.5f} pp ({'ok' if c['agree'] and c['other_fields_identical'] else '**DISAGREE**'})")
PY
  fi
else
  not_yet "ringcore hot paths (murmur3, getendpoints, ownership, parse)" "DataStax driver, same ring" "bench/all.sh --only ringcore"
fi

# Gossip simulated over 10, 100 and 1,000 nodes: rounds until a state change is known to all,
# against log2(N) (--quick: 3 clusters per size, 1 of 1,000 nodes).
if wanted gossip; then
  if measure gossip "$work/gossip.json" "$build/bench/gossip_convergence" --json \
      $(quick_or "--seeds 3 --large-seeds 1" ""); then
    /usr/bin/python3 - "$work/gossip.json" <<'PY'
import json, sys
sizes = json.load(open(sys.argv[1]))["sizes"]
def each(key, fmt):
    return " / ".join(format(s[key], fmt) for s in sizes.values())
print(f"| gossip simulation: rounds until a state change is known to all, N = {' / '.join(sizes)} "
      f"({each('clusters', 'd')} clusters) | {each('spread_rounds', '.1f')} rounds (p99 {each('spread_rounds_p99', '.0f')}); "
      f"a crash marked down by all in {each('all_detection_rounds', '.1f')} rounds | log2(N): {each('log2n', '.1f')} "
      f"| {each('spread_over_log2n', '.2f')} of log2(N) | `bench/all.sh --only gossip` |")
PY
  fi
else
  not_yet "gossip: rounds until all know (10, 100, 1,000 nodes)" "log2(N)" "bench/all.sh --only gossip"
fi

# The balanced token allocator against random tokens: effective ownership's max/mean on one DC,
# RF 3, grown node by node (seconds: the same with --quick).
if wanted allocator; then
  if measure allocator "$work/allocator.json" "$build/bench/token_allocation_bench" --json; then
    /usr/bin/python3 - "$work/allocator.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
largest = {}
for c in r["checkpoints"].values():
    largest[c["vnodes"]] = c  # checkpoints come in growing order
cs = largest.values()
def each(f):
    return " / ".join(f(c) for c in cs)
within = all(c["balanced_max_over_mean"] <= c["bound"] for c in cs)
overload = lambda c: (c["random_max_over_mean"] - 1) / max(c["balanced_max_over_mean"] - 1, 1e-9)
print(f"| allocator balance: max/mean of effective ownership, one DC, RF {r['rf']}, grown node by node, "
      f"V = {each(lambda c: str(c['vnodes']))} at {each(lambda c: str(c['nodes']))} nodes "
      f"| {each(lambda c: format(c['balanced_max_over_mean'], '.3f'))} ({'within' if within else '**not within**'} "
      f"Cassandra's test bound 1 + 4/(V x RF): {each(lambda c: format(c['bound'], '.3f'))}) "
      f"| random tokens, mean of {r['random_seeds']} seeds: {each(lambda c: format(c['random_max_over_mean'], '.3f'))} "
      f"| random's overload (max/mean - 1) is {each(lambda c: format(overload(c), '.1f') + 'x')} ours "
      f"| `bench/all.sh --only allocator` |")
PY
  fi
else
  not_yet "allocator balance" "random tokens" "bench/all.sh --only allocator"
fi

# Streaming on loopback (bench/streaming_bench.sh, 127.0.0.121-124, free ports): the bootstrap's
# streaming phase against cp + fsync of the same bytes, the decommission under a 5 MiB/s limit,
# and repair of unchanged data against one RocksDB scan of the same keys; one run, two rows
# (--quick: 100 MiB loaded, 64 MiB repaired; else 100 and 256; 30 MiB bootstraps 8 MB, too
# little for the streaming phase to mean anything). The script prints its summary
# as the JSON object that ends its output; it exits 1 when a check fails (printed in the row).
if wanted streaming; then
  echo "[$(date -u +%T)] streaming: bench/streaming_bench.sh" >&2
  rc=0
  RINGNODE=${RINGNODE:-$build/labnode/ringnode} "$here/streaming_bench.sh" \
    $(quick_or "--mb 100 --repair-mb 64" "--mb 100 --repair-mb 256") >"$work/streaming.out" 2>"$work/streaming.log" || rc=$?
  if ! grep -q '^{' "$work/streaming.out"; then
    echo "streaming failed (exit $rc); the end of its log:" >&2; tail -n 20 "$work/streaming.log" >&2
    row streaming "FAILED (exit $rc)" "" "" "bench/all.sh --only streaming"; failed=1
  else
    [ $rc -eq 0 ] || failed=1
    /usr/bin/python3 - "$work/streaming.out" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
r = json.loads(text[text.index("\n{") + 1:])
b, c, lim, rep = r["bootstrap"], r["file_copy"], r["throughput_limit"], r["repair"]
check = "" if r["check"]["ok"] else "; **check failed: " + "; ".join(r["check"]["failures"]) + "**"
print(f"| streaming: bootstrap of a 4th node, {b['bytes_streamed'] / 1e6:.1f} MB, {b['files_streamed']} files "
      f"(bytes/plan {b['streamed_over_planned']:.3f}); decommission at {lim['limit_mib_per_second']} MiB/s "
      f"| streaming phase {b['streaming_seconds']:.3f} s, {b['streaming_phase_mb_per_second']:.0f} MB/s "
      f"(whole job {b['job_seconds']:.2f} s); decommission {lim['streaming_phase_mib_per_second']:.2f} MiB/s over its phase{check} "
      f"| cp + fsync of the same bytes: {c['cp_and_fsync_seconds']:.3f} s, {c['mb_per_second']:.0f} MB/s; the limit: "
      f"{lim['limit_mib_per_second']} MiB/s "
      f"| {c['streaming_phase_over_copy']:.2f} of the copy (target 0.5: {'met' if c['streaming_phase_over_copy'] >= 0.5 else '**not met**'}); "
      f"{lim['phase_over_limit']:.3f} of the limit (within 5%: {'met' if abs(lim['phase_over_limit'] - 1) <= 0.05 else '**not met**'}) "
      f"| `bench/all.sh --only streaming` |")
print(f"| repair of unchanged data, {rep['data_bytes'] / 1e9:.3f} GB per replica, RF 3, {rep['ranges_checked']} ranges "
      f"| median of 3: {rep['wall_seconds']:.2f} s, {rep['bytes_streamed']} bytes streamed "
      f"| one RocksDB scan of the same keys on one replica ({rep['scan_rows']:,} rows), median of 3: {rep['scan_seconds']:.3f} s "
      f"| {rep['repair_over_scan']:.1f}x the scan (target 1x: {'met' if rep['repair_over_scan'] <= 1 else '**not met**'}) "
      f"| `bench/all.sh --only streaming` |")
PY
  fi
else
  not_yet "streaming: bootstrap streaming phase" "cp + fsync of the same bytes" "bench/all.sh --only streaming"
  not_yet "repair of unchanged data" "RocksDB scan of the same keys" "bench/all.sh --only streaming"
fi

# ringd's footprint beside one ringnode (bench/ringd_bench.sh, 127.0.0.46, ports 27460/29460/
# 27470): RSS and CPU at rest and scraped each second, /metrics latency, against the targets
# (--quick: 10 s at rest, 10 s scraped, 200 requests; else 30, 30, 500).
if wanted ringd; then
  if measure ringd "$work/ringd.json" env RINGD=${RINGD:-$build/agent/ringd} RINGNODE=${RINGNODE:-$build/labnode/ringnode} \
      "$here/ringd_bench.sh" $(quick_or --quick "") --json; then
    /usr/bin/python3 - "$work/ringd.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t, sc, lat = r["target"], r["scraped"], r["metrics_latency_ms"]
met = lambda ok: "met" if ok else "**not met**"
print(f"| ringd beside one ringnode (interval {r['interval_s']} s): RSS and CPU while `/metrics` is scraped each second "
      f"({r['scrape_s']} s), `/metrics` latency over {r['requests']} requests "
      f"| RSS {sc['rss_mib']:.1f} MiB, CPU {sc['cpu_percent']:.2f}% of a core (at rest: {r['rest']['rss_mib']:.1f} MiB, "
      f"{r['rest']['cpu_percent']:.2f}%); `/metrics` ({r['metrics_bytes']:,} bytes) p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms "
      f"| targets: {t['rss_mib']} MiB, {t['cpu_percent']}% of a core "
      f"| {sc['rss_mib'] / t['rss_mib']:.2f} of the RSS target ({met(t['rss_met'])}), "
      f"{sc['cpu_percent'] / t['cpu_percent']:.2f} of the CPU target ({met(t['cpu_met'])}) | `bench/all.sh --only ringd` |")
PY
  fi
else
  not_yet "ringd RSS, CPU, /metrics latency" "targets: 15 MiB, 1% of a core" "bench/all.sh --only ringd"
fi

# `ringctl status` through an agent of a 6-node lab against driver_peer.py doing the same
# through the same agent (bench/live_status_bench.sh; lab on 127.0.0.1-6, ports 27300/29300/
# 27370; --quick: 10 runs each, else 30).
if wanted live-status; then
  if measure live-status "$work/live-status.json" env DRIVER_PYTHON="$driver_python" \
      "$here/live_status_bench.sh" --runs "$(quick_or 10 30)" --json "$build"; then
    /usr/bin/python3 - "$work/live-status.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
o, d = r["ringctl"], r["driver"]
print(f"| live `ringctl -h AGENT status KS -o json` through one agent of a {r['nodes']}-node lab, whole process, "
      f"{o['runs']} runs | {o['median_ms']:.1f} ms median (CPU {o['cpu_ms']:.1f} ms) "
      f"| driver_peer.py status http://AGENT, same keyspace: {d['median_ms']:.0f} ms (CPU {d['cpu_ms']:.0f} ms) "
      f"| {r['ratio_median']:.1f}x wall, {r['ratio_cpu']:.1f}x CPU | `bench/all.sh --only live-status` |")
PY
  fi
else
  not_yet "live status through an agent, 6-node lab" "driver_peer.py status http://AGENT" "bench/all.sh --only live-status"
fi

# ringctl health, rebalance and plan add offline on the benchmark ring, each against status on
# the same file (bench/analysis_bench.sh; --quick: 2 runs each, else 5; plan add: 1 run).
if wanted analysis; then
  if measure analysis "$work/analysis.out" "$here/analysis_bench.sh" "$build" "$(quick_or 2 5)"; then
    /usr/bin/python3 - "$work/analysis.out" <<'PY'
import re, sys
# analysis_bench.sh's summary: one line "NAME  MEAN s  (RATIO x status)" per command, after
# hyperfine's own output.
means = {m[1]: float(m[2]) for m in re.finditer(r"^(\S+)\s+([\d.]+) s\s+\(\s*[\d.]+x status\)$",
                                                 open(sys.argv[1]).read(), re.M)}
others = {"health": "health", "rebalance": "rebalance", "plan-add": "plan add"}
s = means["status"]
def each(fmt):
    return ", ".join(f"{label} {fmt(means[name])}" for name, label in others.items())
print(f"| offline `health`, `rebalance`, `plan add --dc dc1`, 1,000 x 256 x 3 DCs, whole processes, mean "
      f"| {each(lambda mean: format(mean, '.2f') + ' s')} "
      f"| `ringctl status --ring FILE nts -o json`, same ring: {s:.2f} s "
      f"| {each(lambda mean: format(mean / s, '.1f') + 'x')} status "
      f"| `bench/all.sh --only analysis` |")
PY
  fi
else
  not_yet "health, rebalance, plan add offline" "ringctl status, same ring" "bench/all.sh --only analysis"
fi

# ringnode's request statistics: recording one request and reading a window's quantiles
# (build/bench/request_stats_bench), against what a request costs: the p50 of a QUORUM write in
# the lab-stress row of the same run (--quick: shorter benchmark runs).
if wanted request-stats; then
  if measure request-stats "$work/request-stats.json" "$build/bench/request_stats_bench" --benchmark_format=json \
      "--benchmark_min_time=$(quick_or 0.1 0.5)"; then
    /usr/bin/python3 - "$work/request-stats.json" "$work/lab.json" <<'PY'
import json, os, sys
# CPU time per operation: on a shared machine the wall time of a few nanoseconds is mostly others'.
ns = {b["name"]: b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
      for b in json.load(open(sys.argv[1]))["benchmarks"]}
record = ns["BM_RequestStatsRecord/threads:1"]
record4 = ns["BM_RequestStatsRecord/threads:4"]
summary = ns["BM_RequestStatsSummary"]
if os.path.exists(sys.argv[2]) and os.path.getsize(sys.argv[2]):
    p50_ms = json.load(open(sys.argv[2]))["latency_ms"]["p50"]
    peer = f"a QUORUM write through a 3-node lab's coordinator, p50 (the lab-stress row): {p50_ms:.2f} ms"
    ratio = f"recording is 1/{p50_ms * 1e6 / record:,.0f} of a write"
else:
    peer, ratio = "a QUORUM write's p50: run with lab-stress (`--only lab-stress,request-stats`)", ""
print(f"| request statistics: one request recorded (started + finished), 1 / 4 threads; p50 and p99 of a 60 s window read "
      f"| CPU {record:.0f} / {record4:.0f} ns per request; the quantiles {summary / 1000:.1f} us | {peer} | {ratio} "
      f"| `bench/all.sh --only request-stats` |")
PY
  fi
else
  not_yet "request statistics per request" "a coordinated write" "bench/all.sh --only request-stats"
fi

# Repair's Merkle trees over 1M rows (build/bench/merkle_tree_bench): building from rows as a
# validation does, against reading rows: the RocksDB scan of the streaming row in the same run
# (--quick: depth 15 only, one repetition).
if wanted merkle; then
  if measure merkle "$work/merkle.json" "$build/bench/merkle_tree_bench" --benchmark_format=json \
      "--benchmark_filter=$(quick_or 'BM_Merkle(BuildFromRows|Difference)/15' 'BM_Merkle(BuildFromRows|Difference)/')" \
      "--benchmark_repetitions=$(quick_or 1 3)"; then
    /usr/bin/python3 - "$work/merkle.json" "$work/streaming.out" <<'PY'
import json, os, sys
runs = {}  # name -> (wall ms, CPU ms) of the fastest repetition
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    name = b.get("run_name", b["name"])
    if b.get("run_type") == "aggregate":
        continue
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1e3}[b["time_unit"]]
    times = (b["real_time"] * scale, b["cpu_time"] * scale)
    runs[name] = min(times, runs.get(name, times))
build = {n: t for n, t in runs.items() if "BuildFromRows" in n}
diff = {n: t for n, t in runs.items() if "Difference" in n}
rate = lambda ms: 1e6 / (ms / 1000)
depths = lambda d: " / ".join(n.rsplit("/", 1)[1] for n in d)
ours = (f"build from 1M rows, depth {depths(build)}: {' / '.join(f'{rate(w) / 1e6:.2f}' for w, _ in build.values())} M rows/s "
        f"(CPU: {' / '.join(f'{rate(c) / 1e6:.2f}' for _, c in build.values())}); difference of two trees, depth "
        f"{depths(diff)}: {' / '.join(f'{w:.1f} ms (CPU {c:.1f})' for w, c in diff.values())}")
peer, ratio = "the streaming row's RocksDB scan: run with streaming (`--only streaming,merkle`)", ""
if os.path.exists(sys.argv[2]) and "\n{" in open(sys.argv[2]).read():
    text = open(sys.argv[2]).read()
    rep = json.loads(text[text.index("\n{") + 1:])["repair"]
    scan_rate = rep["scan_rows"] / rep["scan_seconds"]
    peer = f"the streaming row's RocksDB scan (4 KiB values): {scan_rate / 1e6:.2f} M rows/s"
    ratio = f"{rate(min(build.values())[0]) / scan_rate:.1f}x the scan's rows/s (wall)"
print(f"| Merkle trees for repair (100-byte values) | {ours} | {peer} | {ratio} | `bench/all.sh --only merkle` |")
PY
  fi
else
  not_yet "Merkle tree build and difference" "a RocksDB scan" "bench/all.sh --only merkle"
fi

# ringctl status through ringd (backend cassandra) against nodetool status on a real Cassandra
# 5.0 cluster (bench/cassandra_status_bench.sh: it starts a cluster through
# tests/cassandra/run_tier.sh --bench-only, or uses $CASSANDRA_RUN_DIR). Minutes and gigabytes:
# only when asked for.
if wanted cassandra; then
  if measure cassandra "$work/cassandra.out" env RINGCTL="$ringctl" RINGD=${RINGD:-$build/agent/ringd} \
      "$here/cassandra_status_bench.sh" ${CASSANDRA_RUN_DIR:+--run-dir "$CASSANDRA_RUN_DIR"} --runs "$(quick_or 5 10)"; then
    /usr/bin/python3 - "$work/cassandra.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
# cassandra_status_bench.sh's summary table: "COMMAND  WALL_MS  CPU_MS" per command.
def times(label):
    m = re.search(rf"^{re.escape(label)}\s+([\d.]+)\s+([\d.]+)$", text, re.M)
    return float(m[1]), float(m[2])
nw, nc = times("nodetool status")
rw, rc = times("ringctl -h ringd status")
fw, fc = times("ringctl --ring status")
bench = re.search(r"^benchmark: status (\S+) on (.*?), \d+ runs each", text, re.M)
print(f"| `ringctl -h AGENT status {bench[1]}` through ringd (backend cassandra) vs `nodetool status`, real Cassandra 5.0, "
      f"{bench[2]} | {rw:.1f} ms wall, CPU {rc:.1f} ms (from an exported snapshot: {fw:.1f} ms, CPU {fc:.1f} ms) "
      f"| `nodetool status`: {nw:,.0f} ms wall, CPU {nc:,.0f} ms | {nw / rw:.0f}x wall, {nc / max(rc, 1e-3):.0f}x CPU "
      f"(target 20x: {'met' if nw / rw >= 20 else '**not met**'}) | `bench/all.sh --only cassandra` |")
PY
  fi
else
  row "ringctl status via ringd vs nodetool status, real Cassandra 5.0" \
    "not run: it starts a Cassandra cluster (the last measured row is in bench/README.md)" "nodetool status" "" \
    "bench/all.sh --only cassandra"
fi
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $failed
