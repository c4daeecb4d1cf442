#!/usr/bin/python3
"""What ringd costs beside a real Cassandra node, and what one collection costs the node.

    cassandra_ringd_cost.py --run-dir DIR --ringd RINGD --listen HOST:PORT [--window S]

On node 1 of a running cassandra_cluster.py cluster, three windows of S seconds each:
  1. no ringd: the Cassandra JVM's own CPU (its idle baseline);
  2. ringd collecting as fast as it can (--interval 0.2): collections counted from its
     /metrics (ringd_collections_total), each one's time (ringd_collection_duration_seconds,
     sampled); the JVM's CPU above the baseline, per collection, is one collection's cost on
     the node;
  3. ringd as an operator runs it (the default interval): ringd's RSS and CPU next to the
     JVM's.
Then it leaves that ringd running for the caller (ringctl status through it) and prints its
pid: the last line is `ringd_pid PID`. Prints `name value unit` lines.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS   # utime + stime


def rss_mib(pid):
    match = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    return int(match.group(1)) / 1024


def metric(listen, name):
    with urllib.request.urlopen(f"http://{listen}/metrics", timeout=5) as reply:
        for line in reply.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    raise RuntimeError(f"{name} not in ringd's /metrics")


def start_ringd(ringd, listen, jolokia_url, interval, log):
    args = [ringd, "--listen", listen, "--backend", "cassandra", "--jolokia-url", jolokia_url]
    if interval:
        args += ["--interval", interval]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://{listen}/v1/health/ready", timeout=2) as reply:
                if reply.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            sys.exit(f"ringd on {listen} did not become ready (see {log.name})")
        time.sleep(0.2)


def stop(process):
    process.terminate()
    process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--ringd", required=True)
    parser.add_argument("--listen", required=True)
    parser.add_argument("--window", type=float, default=20)
    args = parser.parse_args()
    cluster = json.loads((Path(args.run_dir) / "cluster.json").read_text())
    node = cluster["nodes"][0]
    jvm, jolokia_url = node["pid"], f"http://127.0.0.1:{8778 + node['index'] - 1}/jolokia"
    log = open(Path(args.run_dir) / "bench-ringd.log", "w")

    started, before = time.monotonic(), cpu_seconds(jvm)
    time.sleep(args.window)   # a measurement window, not a wait for a condition
    baseline = (cpu_seconds(jvm) - before) / (time.monotonic() - started)
    print(f"jvm_cpu_idle {100 * baseline:.2f} %core", flush=True)

    fast = start_ringd(args.ringd, args.listen, jolokia_url, "0.2", log)
    count_before, durations = metric(args.listen, "ringd_collections_total"), []
    started, before = time.monotonic(), cpu_seconds(jvm)
    while time.monotonic() - started < args.window:
        durations.append(metric(args.listen, "ringd_collection_duration_seconds"))
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    jvm_cpu = cpu_seconds(jvm) - before
    collections = metric(args.listen, "ringd_collections_total") - count_before
    stop(fast)
    extra = jvm_cpu - baseline * elapsed
    print(f"collections {collections:.0f} in {elapsed:.1f} s", flush=True)
    print(f"collection_time_mean {1000 * sum(durations) / len(durations):.1f} ms", flush=True)
    print(f"collection_jvm_cpu {1000 * extra / max(collections, 1):.1f} ms", flush=True)

    ringd = start_ringd(args.ringd, args.listen, jolokia_url, None, log)
    started, ringd_before, jvm_before = time.monotonic(), cpu_seconds(ringd.pid), cpu_seconds(jvm)
    time.sleep(args.window)   # a measurement window
    elapsed = time.monotonic() - started
    print(f"ringd_cpu {100 * (cpu_seconds(ringd.pid) - ringd_before) / elapsed:.2f} %core", flush=True)
    print(f"jvm_cpu {100 * (cpu_seconds(jvm) - jvm_before) / elapsed:.2f} %core", flush=True)
    print(f"ringd_rss {rss_mib(ringd.pid):.1f} MiB", flush=True)
    print(f"jvm_rss {rss_mib(jvm):.1f} MiB", flush=True)
    print(f"ringd_pid {ringd.pid}", flush=True)


if __name__ == "__main__":
    main()
