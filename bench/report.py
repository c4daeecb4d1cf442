#!/usr/bin/env python3
"""Prints bench/run.sh's table from the files one run leaves in its work directory.

  report.py WORKDIR [--smoke] [--json]

WORKDIR holds ringcore.json (Google Benchmark JSON), driver.json (driver_peer.py bench),
status_ringctl.json / status_driver.json (hyperfine exports, or *.times from the fallback loop:
one "wall_s max_rss_kib user_s system_s" line per run), rss_ringctl / rss_driver (one
"wall_s max_rss_kib user_s system_s" line), out_ringctl.json / out_driver.json (the two status
documents) and context.txt. Standard library only.

Every figure is the fastest of the repetitions on each side (ringcore_bench's "min" aggregate,
driver_peer.py's best run) except whole-process times, which are hyperfine's median. Each ratio
is given twice: by wall time, and by CPU time, which a busy shared machine disturbs less.
With --smoke the target lines say that the targets are for the full ring only. With --json the
same figures print as one JSON object (bench/all.sh reads it): per row ringctl's and the driver's
figures and the ratios, the targets, the consistency check. Exit status 1 when the two status
documents disagree.
"""

import json
import os
import statistics
import sys

OWNERSHIP_TARGET_MS = 100.0
WHOLE_PROCESS_TARGET = 20.0
AGREEMENT_PP = 0.01


def load_json(path):
    with open(path) as f:
        return json.load(f)


def benchmarks(path):
    """name -> {"wall_s", "cpu_s"} per iteration: the "min" aggregate when the run has
    repetitions, else the single run."""
    runs, fastest = {}, {}
    for run in load_json(path)["benchmarks"]:
        if run.get("error_occurred"):
            sys.exit(f"ringcore_bench failed: {run['name']}: {run['error_message']}")
        name = run.get("run_name", run["name"])
        if run.get("run_type") == "aggregate":
            if run.get("aggregate_name") == "min":
                fastest[name] = run
        else:
            runs.setdefault(name, run)
    runs.update(fastest)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    return {name: {"wall_s": run["real_time"] * scale[run["time_unit"]],
                   "cpu_s": run["cpu_time"] * scale[run["time_unit"]]} for name, run in runs.items()}


def per(times, count=1):
    """Times of `count` operations -> {"wall", "cpu"} in operations per second."""
    return {kind: count / times[f"{kind}_s"] if times[f"{kind}_s"] > 0 else float("inf") for kind in ("wall", "cpu")}


def millis(times):
    return {kind: times[f"{kind}_s"] * 1e3 for kind in ("wall", "cpu")}


def add(a, b):
    return {"wall_s": a["wall_s"] + b["wall_s"], "cpu_s": a["cpu_s"] + b["cpu_s"]}


def read_time_lines(path):
    with open(path) as f:
        return [[float(v) for v in line.split()] for line in f if line.strip()]


def whole_process(workdir, who):
    """Status runs of one command: median wall seconds, mean CPU seconds, run count."""
    hyperfine = os.path.join(workdir, f"status_{who}.json")
    if os.path.exists(hyperfine):
        result = load_json(hyperfine)["results"][0]
        return {"wall": result["median"], "cpu": result["user"] + result["system"], "runs": len(result["times"])}
    runs = read_time_lines(os.path.join(workdir, f"status_{who}.times"))
    return {"wall": statistics.median(r[0] for r in runs), "cpu": statistics.mean(r[2] + r[3] for r in runs),
            "runs": len(runs)}


def peak_rss_mib(workdir, who):
    return read_time_lines(os.path.join(workdir, f"rss_{who}"))[0][1] / 1024


def agreement(workdir):
    """(max |difference| of owns_pct in percentage points, nodes compared, other fields identical)."""
    docs = [load_json(os.path.join(workdir, f"out_{who}.json")) for who in ("ringctl", "driver")]
    owns = [{n["host_id"]: n.pop("owns_pct") for dc in doc["datacenters"] for n in dc["nodes"]} for doc in docs]
    diffs = [abs(a - owns[1][host]) for host, a in owns[0].items() if a is not None and owns[1].get(host) is not None]
    return max(diffs, default=float("nan")), len(diffs), docs[0] == docs[1] and owns[0].keys() == owns[1].keys()


def fmt(value, unit):
    if unit == "MB/s":
        return f"{value:,.0f} MB/s"
    if unit == "/s":
        return f"{value:,.0f} /s"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 10000 else f"{value / 1000:,.2f} s"
    if unit == "s":
        return f"{value:.3f} s"
    return f"{value:,.0f} MiB"


def ratio(ours, theirs, higher_better):
    """How many times better ringctl is; below 1 means ringctl is worse. None when undefined."""
    num, den = (ours, theirs) if higher_better else (theirs, ours)
    if den <= 0 or num == float("inf"):
        return None
    return num / den


def ratio_cell(ours, theirs, higher_better, unit):
    """ratio() as a cell, e.g. '12.3x'."""
    value = ratio(ours, theirs, higher_better)
    if value is None:
        return "n/a"
    return f"{value:,.1f}x" + (" smaller" if unit == "MiB" else "")


def print_table(rows):
    table = [("metric", "ringctl", "driver", "ratio (wall)", "ratio (CPU)")]
    for name, unit, ours, theirs, higher_better in rows:
        cpu = ratio_cell(ours["cpu"], theirs["cpu"], higher_better, unit) if "cpu" in ours else ""
        table.append((name, fmt(ours["wall"], unit), fmt(theirs["wall"], unit),
                      ratio_cell(ours["wall"], theirs["wall"], higher_better, unit), cpu))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(widths[c]) if c == 0 else cell.rjust(widths[c]) for c, cell in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def print_json(rows, py, status, own, worst, nodes, same):
    """The figures of print_table and the target and consistency lines, as one JSON object."""
    out = {"driver": {k: py[k] for k in ("driver_version", "python", "murmur3_impl", "metadata_impl")},
           "ring_tokens": py["ring_tokens"], "rows": {}}
    for name, unit, ours, theirs, higher_better in rows:
        out["rows"][name.strip()] = {
            "unit": unit, "ringctl": ours, "driver": theirs, "higher_is_better": higher_better,
            "ratio_wall": ratio(ours["wall"], theirs["wall"], higher_better),
            "ratio_cpu": ratio(ours["cpu"], theirs["cpu"], higher_better) if "cpu" in ours else None}
    out["whole_process_runs"] = {who: status[who]["runs"] for who in status}
    out["targets"] = {
        "ownership_ms": {"target": OWNERSHIP_TARGET_MS, "wall_ms": own["wall"], "cpu_ms": own["cpu"],
                         "met": own["wall"] < OWNERSHIP_TARGET_MS},
        "whole_process_ratio": {"target": WHOLE_PROCESS_TARGET,
                                "wall": status["driver"]["wall"] / status["ringctl"]["wall"],
                                "met": status["driver"]["wall"] / status["ringctl"]["wall"] >= WHOLE_PROCESS_TARGET}}
    out["consistency"] = {"owns_pct_max_difference_pp": worst, "nodes": nodes, "limit_pp": AGREEMENT_PP,
                          "agree": worst <= AGREEMENT_PP, "other_fields_identical": same}
    print(json.dumps(out, indent=1))


def main():
    workdir = sys.argv[1]
    smoke = "--smoke" in sys.argv[2:]
    as_json = "--json" in sys.argv[2:]
    cpp = benchmarks(os.path.join(workdir, "ringcore.json"))
    py = load_json(os.path.join(workdir, "driver.json"))
    status = {who: whole_process(workdir, who) for who in ("ringctl", "driver")}
    rss = {who: {"wall": peak_rss_mib(workdir, who)} for who in ("ringctl", "driver")}
    mb = 1e-6

    rows = [  # metric, unit, ringctl, driver, higher is better
        ("murmur3, 16-byte keys", "MB/s", per(cpp["BM_Murmur3/16"], 16 * mb), per(py["murmur3_16"], py["murmur3_16"]["bytes"] * mb), True),
        ("murmur3, 1 KiB keys", "MB/s", per(cpp["BM_Murmur3/1024"], 1024 * mb),
         per(py["murmur3_1024"], py["murmur3_1024"]["bytes"] * mb), True),
        ("getendpoints lookups", "/s", per(cpp["BM_GetEndpoints"]), per(py["getendpoints"], py["getendpoints"]["lookups"]), True),
        ("effective ownership (build+place+sum)", "ms", millis(cpp["BM_EffectiveOwnership"]), millis(py["ownership"]), False),
        ("  ring build", "ms", millis(cpp["BM_TokenRingBuild"]), millis(py["token_map_build"]), False),
        ("  replica placement + sums", "ms", millis(cpp["BM_PlacementAndSums"]),
         millis(add(py["replica_map_build"], py["ownership_sums"])), False),
        ("parse snapshot", "ms", millis(cpp["BM_ParseSnapshot"]), millis(py["parse"]), False),
        ("whole process: status KEYSPACE -o json", "s", status["ringctl"], status["driver"], False),
        ("peak RSS of that process", "MiB", rss["ringctl"], rss["driver"], False),
    ]

    own = millis(cpp["BM_EffectiveOwnership"])
    worst, nodes, same = agreement(workdir)
    verdict = "OK" if worst <= AGREEMENT_PP else "DISAGREE"
    if as_json:
        print_json(rows, py, status, own, worst, nodes, same)
        return 0 if verdict == "OK" and same else 1

    with open(os.path.join(workdir, "context.txt")) as f:
        print(f.read().rstrip())
    print(f"driver: python-cassandra {py['driver_version']} on Python {py['python']}; "
          f"murmur3: {py['murmur3_impl']}; cassandra.metadata: {py['metadata_impl']}")
    print(f"ring tokens: {py['ring_tokens']:,}; driver ownership: best of {py['ownership']['runs']} run(s); "
          f"whole process: median of {status['ringctl']['runs']} (ringctl) and {status['driver']['runs']} (driver) runs")
    print()
    print_table(rows)
    print()
    print(f"whole process CPU time (user + system): ringctl {status['ringctl']['cpu']:.3f} s, "
          f"driver {status['driver']['cpu']:.3f} s")

    if smoke:
        print("targets: they are set for the 1,000 x 256 x 3-DC ring; on this smoke ring the lines below "
              "only show that the check runs")
    speedup = status["driver"]["wall"] / status["ringctl"]["wall"]
    print(f"target: effective ownership < {OWNERSHIP_TARGET_MS:.0f} ms: "
          f"{'MET' if own['wall'] < OWNERSHIP_TARGET_MS else 'NOT MET'} ({own['wall']:.1f} ms wall, {own['cpu']:.1f} ms CPU)")
    print(f"target: whole process >= {WHOLE_PROCESS_TARGET:.0f}x faster than the driver: "
          f"{'MET' if speedup >= WHOLE_PROCESS_TARGET else 'NOT MET'} ({speedup:.1f}x by wall time, "
          f"{ratio_cell(status['ringctl']['cpu'], status['driver']['cpu'], False, 's')} by CPU time)")
    print(f"consistency: owns_pct max |ringctl - driver| = {worst:.5f} pp over {nodes} nodes "
          f"(limit {AGREEMENT_PP} pp): {verdict}; other fields identical: {'yes' if same else 'NO'}")
    return 0 if verdict == "OK" and same else 1


if __name__ == "__main__":
    sys.exit(main())
