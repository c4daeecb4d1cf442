#!/usr/bin/python3
"""The HTTP side of bench/streaming_bench.sh: calls to ringnode's admin API (docs/ringnode-api.md),
a parallel loader, job polling, and the final table and JSON summary. Standard library only.

  streaming_client.py ports ADDR...                     two free ports bindable on every ADDR
  streaming_client.py wait-health NODE [SECONDS]
  streaming_client.py wait-ring NODE COUNT [SECONDS]    COUNT nodes, all up and normal
  streaming_client.py create-keyspace NODE NAME RF      SimpleStrategy
  streaming_client.py load --nodes NODE,... --keyspace KS --prefix P --rows N [--value-bytes B]
                           [--threads T] [--cl ALL]
  streaming_client.py loads NODE...                     each node's load_bytes, once the first one gossips them
  streaming_client.py node-load NODE                    the node's own load_bytes
  streaming_client.py put NODE PATH JSON                PUT, prints the answer
  streaming_client.py operation NODE OP JSON            POST /v1/operations/OP, waits for the job
  streaming_client.py bootstrap-job NODE                waits for the node's bootstrap job
  streaming_client.py scan STORAGE_NODE KS             times one full scan of KS on the node (RocksDB,
                                                        POST /internal/stream/size over the whole ring)
  streaming_client.py report RESULTS.json               the table, then the JSON summary

NODE is ADDRESS:NATIVE_PORT. Job waits print {"job": ..., "seconds": ..., "streaming": ...}:
"seconds" is ended_at - started_at; "streaming" is the streaming phase as the node timed it (the
job result's streaming_seconds: from the first page read to the last stored), or, from a node
that does not report it, from the first poll that saw bytes done to ended_at.
"""
import datetime
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

MB = 1e6
MIB = 1024.0 * 1024.0


def split_node(node):
    host, port = node.rsplit(":", 1)
    return host, int(port)


def call(node, method, path, body=None, content_type="application/json", timeout=30):
    """One request on a fresh connection (ringnode closes each one); returns (status, bytes)."""
    host, port = split_node(node)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"Content-Type": content_type} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def call_json(node, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    status, raw = call(node, method, path, data)
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_until(predicate, seconds, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(step)
    return False


def fail(message):
    print(f"streaming_client: {message}", file=sys.stderr)
    sys.exit(1)


def free_ports(addresses, start=27400):
    """The first two ports from `start` that every address can bind (all nodes use both)."""
    found = []
    port = start
    while len(found) < 2 and port < 60000:
        sockets = []
        try:
            for address in addresses:
                s = socket.socket()
                sockets.append(s)
                s.bind((address, port))
            found.append(port)
        except OSError:
            pass
        finally:
            for s in sockets:
                s.close()
        port += 1
    if len(found) < 2:
        fail("no free ports")
    return found


def ring_settled(node, count):
    status, body = call_json(node, "GET", "/v1/cluster")
    if status != 200 or len(body["nodes"]) != count:
        return False
    return all(n["status"] == "up" and n["state"] == "normal" for n in body["nodes"])


def load_rows(nodes, keyspace, prefix, rows, value_bytes, threads, cl):
    """Writes rows prefix00000000... through the nodes in turn; retries a failed write 5 times."""
    failed = []
    written = [0] * threads

    def worker(t):
        for n in range(t, rows, threads):
            key = urllib.parse.quote(f"{prefix}{n:08d}", safe="")
            path = f"/v1/keyspaces/{keyspace}/rows/{key}?cl={cl}"
            for attempt in range(5):
                try:
                    status, _ = call(nodes[(n + attempt) % len(nodes)], "PUT", path, os.urandom(value_bytes),
                                     "application/octet-stream")
                    if status == 200:
                        written[t] += 1
                        break
                except OSError:
                    pass
            else:
                failed.append(n)

    start = time.monotonic()
    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.monotonic() - start
    return {"rows": sum(written), "failed": len(failed), "seconds": seconds, "value_bytes": value_bytes,
            "rows_per_second": sum(written) / seconds, "consistency": cl}


def gossip_loads(node, addresses):
    """Each node's own load_bytes, once node's gossip view shows the same numbers (the movement
    plan estimates bytes from the gossiped load, so the plan must not start from a stale one)."""
    result = {}

    def agreed():
        own = {}
        for a in addresses:
            status, body = call_json(a, "GET", "/v1/node")
            own[body["address"]] = body["load_bytes"]
        status, cluster = call_json(node, "GET", "/v1/cluster")
        gossiped = {n["address"]: n.get("load_bytes") for n in cluster["nodes"]}
        result.clear()
        result.update(own)
        return all(gossiped.get(address) == load for address, load in own.items())

    if not wait_until(agreed, 60, 0.5):
        fail(f"gossiped loads did not settle on {node}: {result}")
    return result


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait_job(node, job_id, seconds=3600):
    """Polls the job until it ends; notes when bytes first showed as done (wall clock)."""
    first_done = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, job = call_json(node, "GET", f"/v1/jobs/{job_id}")
        if status == 200:
            done = job.get("progress", {}).get("done", 0) or 0
            if first_done is None and done > 0 and job["progress"].get("unit") == "bytes":
                first_done = (time.time(), done)
            if job["state"] != "running":
                return summarize_job(job, first_done)
        time.sleep(0.1)
    fail(f"job {job_id} on {node} did not end within {seconds} s")


def summarize_job(job, first_done):
    ended = parse_time(job["ended_at"])
    summary = {"job": job, "seconds": ended - parse_time(job["started_at"]), "streaming": None}
    result = job.get("result") or {}
    streamed = result.get("bytes_streamed")
    if streamed is not None and result.get("streaming_seconds"):
        summary["streaming"] = {"seconds": result["streaming_seconds"], "bytes": streamed}
    elif first_done is not None and streamed is not None and ended > first_done[0]:
        summary["streaming"] = {"seconds": ended - first_done[0], "bytes": streamed - first_done[1]}
    return summary


def operation(node, op, body):
    status, job = call_json(node, "POST", f"/v1/operations/{op}", body)
    if status not in (200, 202):
        fail(f"{op} on {node}: HTTP {status} {job}")
    return wait_job(node, job["id"])


def bootstrap_job(node):
    found = {}

    def listed():
        status, body = call_json(node, "GET", "/v1/jobs")
        jobs = [j for j in body["jobs"] if j["operation"] == "bootstrap"] if status == 200 else []
        if jobs:
            found["id"] = jobs[0]["id"]
        return bool(jobs)

    if not wait_until(listed, 60):
        fail(f"no bootstrap job on {node}")
    return wait_job(node, found["id"])


def scan(node, keyspace):
    """One full scan of the keyspace on the node: the cost floor of anything that reads it all."""
    start = time.monotonic()
    status, answer = call_json(node, "POST", "/internal/stream/size",
                               {"keyspace": keyspace, "range": "(-9223372036854775808,-9223372036854775808]"})
    seconds = time.monotonic() - start
    if status != 200:
        fail(f"scan of {keyspace} on {node}: HTTP {status} {answer}")
    return {"seconds": seconds, "rows": answer["rows"], "bytes": answer["bytes"]}


def median_round(rounds):
    """The round whose seconds are the median (streaming_bench.sh runs three repairs and scans)."""
    return sorted(rounds, key=lambda one: one["seconds"])[len(rounds) // 2]


def ratio(a, b):
    return a / b if b else float("nan")


def rate(byte_count, seconds, unit=MB):
    return byte_count / unit / seconds if seconds > 0 else float("nan")


# Why each fixed wait of a topology job exists (labnode/bootstrap.cpp, topology_steps.h).
WAIT_REASONS = {
    "peers_up_seconds": "every peer seen up before asking them (Cassandra's bootstrap waits for gossip to settle)",
    "announce_seconds": "until every peer has seen the new status (Cassandra: RING_DELAY, 30 s)",
    "schema_seconds": "schema agreement before planning (Cassandra's bootstrap does the same)",
    "inflight_writes_seconds": "write timeout for writes coordinated before (write_request_timeout 2 s)",
    "source_hints_seconds": "hints held for the sources delivered first (Cassandra: repair after the join instead)",
    "left_announce_seconds": "until every peer has seen LEFT (Cassandra: RING_DELAY after leaving)",
}


def report(path):
    with open(path) as f:
        r = json.load(f)
    boot = r["bootstrap"]
    res = boot["job"]["result"]
    streamed, planned = res["bytes_streamed"], res["planned_bytes"]
    rf, n, added = r["rf"], r["nodes_before"], 1
    data = sum(r["loads_before"].values()) / rf
    formula = data * rf * added / (n + added)
    job_rate = rate(streamed, boot["seconds"])
    phase = boot["streaming"]
    phase_rate = rate(phase["bytes"], phase["seconds"]) if phase else float("nan")
    copy = r["copy"]
    copy_rate = rate(copy["bytes"], copy["seconds_with_fsync"])
    copy_rate_cached = rate(copy["bytes"], copy["seconds_cp"])
    limited = r["limited"]
    lres = limited["job"]["result"]
    limit_rate = rate(lres["bytes_streamed"], limited["seconds"], MIB)
    lphase = limited["streaming"]
    limit_phase = rate(lphase["bytes"], lphase["seconds"], MIB) if lphase else float("nan")
    repair = median_round(r["repairs"])
    rres = repair["job"]["result"]
    repair_gb = r["repair_data_bytes"] / 1e9
    scan = median_round(r["scans"])
    waits = res.get("waits", {})
    limit_accuracy = ratio(limit_phase, r["limit_mib"])

    summary = {
        "mode": r["mode"],
        "load": r["load"],
        "bootstrap": {"bytes_streamed": streamed, "planned_bytes": planned, "formula_bytes": round(formula),
                      "data_bytes": round(data), "streamed_over_planned": ratio(streamed, planned),
                      "streamed_over_formula": ratio(streamed, formula), "job_seconds": boot["seconds"],
                      "mb_per_second": job_rate, "streaming_phase_mb_per_second": phase_rate,
                      "rows_streamed": res["rows_streamed"], "ranges_streamed": res["ranges_streamed"],
                      "files_streamed": res.get("files_streamed"), "streaming_seconds": phase["seconds"] if phase else None,
                      "fixed_waits_seconds": waits, "state": boot["job"]["state"]},
        "file_copy": {"bytes": copy["bytes"], "cp_seconds": copy["seconds_cp"],
                      "cp_and_fsync_seconds": copy["seconds_with_fsync"], "mb_per_second": copy_rate,
                      "cp_only_mb_per_second": copy_rate_cached,
                      "streaming_over_copy": ratio(job_rate, copy_rate),
                      "streaming_phase_over_copy": ratio(phase_rate, copy_rate)},
        "throughput_limit": {"operation": limited["job"]["operation"], "limit_mib_per_second": r["limit_mib"],
                             "bytes_streamed": lres["bytes_streamed"], "planned_bytes": lres["planned_bytes"],
                             "job_seconds": limited["seconds"], "mib_per_second": limit_rate,
                             "streaming_phase_mib_per_second": limit_phase,
                             "phase_over_limit": limit_accuracy, "state": limited["job"]["state"]},
        "repair": {"data_bytes": r["repair_data_bytes"], "wall_seconds": repair["seconds"],
                   "seconds_per_gb": repair["seconds"] / repair_gb if repair_gb else None,
                   "ranges_checked": rres["ranges_checked"], "ranges_differing": rres["ranges_differing"],
                   "bytes_streamed": rres["bytes_streamed"], "state": repair["job"]["state"],
                   "scan_seconds": scan["seconds"], "scan_rows": scan["rows"],
                   "repair_over_scan": ratio(repair["seconds"], scan["seconds"]),
                   "rounds": {"repair_seconds": [job["seconds"] for job in r["repairs"]],
                              "scan_seconds": [one["seconds"] for one in r["scans"]]}},
        "cleanup_before_join_bytes_freed": r["cleanup_bytes_freed"],
    }
    checks = []
    if boot["job"]["state"] != "succeeded":
        checks.append(f"bootstrap {boot['job']['state']}: {boot['job'].get('error')}")
    if abs(streamed - planned) > 0.05 * planned:
        checks.append(f"bootstrap streamed {streamed} bytes, {ratio(streamed, planned):.3f} x the plan's {planned}")
    for job in r["repairs"]:
        if job["job"]["state"] != "succeeded":
            checks.append(f"repair {job['job']['state']}: {job['job'].get('error')}")
        elif job["job"]["result"]["bytes_streamed"] != 0:
            checks.append(f"repair of unchanged data streamed {job['job']['result']['bytes_streamed']} bytes")
    if limited["job"]["state"] != "succeeded":
        checks.append(f"{limited['job']['operation']} {limited['job']['state']}: {limited['job'].get('error')}")
    summary["check"] = {"ok": not checks, "failures": checks}

    ld = r["load"]
    print(f"streaming benchmark ({r['mode']}): {n} nodes + 1 on loopback, RF {rf}, {ld['rows']:,} rows of "
          f"{ld['value_bytes']} bytes loaded at {ld['consistency']} in {ld['seconds']:.1f} s "
          f"({ld['rows_per_second']:.0f} rows/s); MB = 10^6 bytes")
    rows = [
        ("bootstrap: bytes streamed", f"{streamed:,}", ""),
        ("  plan (planned_bytes)", f"{planned:,}", f"streamed/plan {ratio(streamed, planned):.4f}"),
        ("  formula data*RF*k/(N+k)", f"{round(formula):,}", f"streamed/formula {ratio(streamed, formula):.4f}"),
        ("  job duration", f"{boot['seconds']:.2f} s", f"{job_rate:.1f} MB/s"),
        ("  streaming phase", f"{phase['seconds']:.2f} s" if phase else "-", f"{phase_rate:.1f} MB/s, "
         f"{res.get('files_streamed', '-')} files"),
    ] + [(f"  fixed wait: {name.removesuffix('_seconds')}", f"{seconds:.2f} s", WAIT_REASONS.get(name, ""))
         for name, seconds in waits.items()] + [
        ("file copy, same bytes", f"{copy['seconds_with_fsync']:.2f} s", f"{copy_rate:.1f} MB/s (cp + fsync)"),
        ("  cp alone (page cache)", f"{copy['seconds_cp']:.2f} s", f"{copy_rate_cached:.1f} MB/s"),
        ("  streaming / copy", "", f"{ratio(job_rate, copy_rate):.3f} (job), "
                                   f"{ratio(phase_rate, copy_rate):.3f} (phase)"),
        (f"{limited['job']['operation']} at {r['limit_mib']} MiB/s", f"{lres['bytes_streamed']:,} B",
         f"{limit_rate:.2f} MiB/s (job), {limit_phase:.2f} MiB/s (phase), phase/limit {limit_accuracy:.3f}"),
        (f"repair, unchanged {repair_gb:.3f} GB (median of {len(r['repairs'])})", f"{repair['seconds']:.2f} s",
         f"{rres['ranges_checked']} ranges checked, {rres['ranges_differing']} differing, "
         f"{rres['bytes_streamed']} bytes streamed"),
        (f"  one RocksDB scan, same keys (median of {len(r['scans'])})", f"{scan['seconds']:.2f} s",
         f"{scan['rows']:,} rows on node 1; repair/scan {ratio(repair['seconds'], scan['seconds']):.2f}"),
    ]
    width = max(len(row[0]) for row in rows)
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>16}  {note}")
    print("check: " + ("ok" if not checks else "FAILED: " + "; ".join(checks)))
    print(json.dumps(summary, indent=2))
    return 0 if not checks else 1


def main(argv):
    if not argv:
        fail(__doc__)
    command, args = argv[0], argv[1:]
    if command == "ports":
        print(*free_ports(args))
    elif command == "wait-health":
        seconds = float(args[1]) if len(args) > 1 else 60
        if not wait_until(lambda: call(args[0], "GET", "/v1/health", timeout=2)[0] == 200, seconds):
            fail(f"{args[0]} did not answer /v1/health")
    elif command == "wait-ring":
        seconds = float(args[2]) if len(args) > 2 else 90
        if not wait_until(lambda: ring_settled(args[0], int(args[1])), seconds):
            fail(f"{args[0]} did not see {args[1]} up normal nodes")
    elif command == "create-keyspace":
        body = {"name": args[1], "replication": {"class": "SimpleStrategy", "replication_factor": args[2]}}
        status, answer = call_json(args[0], "POST", "/v1/keyspaces", body)
        if status != 201:
            fail(f"create keyspace: HTTP {status} {answer}")
    elif command == "load":
        opts = dict(zip(args[::2], args[1::2]))
        result = load_rows(opts["--nodes"].split(","), opts["--keyspace"], opts["--prefix"], int(opts["--rows"]),
                           int(opts.get("--value-bytes", 4096)), int(opts.get("--threads", 8)), opts.get("--cl", "ALL"))
        print(json.dumps(result))
        if result["failed"]:
            fail(f"{result['failed']} rows could not be written")
    elif command == "loads":
        print(json.dumps(gossip_loads(args[0], args)))
    elif command == "node-load":
        print(call_json(args[0], "GET", "/v1/node")[1]["load_bytes"])
    elif command == "put":
        status, answer = call_json(args[0], "PUT", args[1], json.loads(args[2]))
        if status != 200:
            fail(f"PUT {args[1]}: HTTP {status} {answer}")
        print(json.dumps(answer))
    elif command == "operation":
        print(json.dumps(operation(args[0], args[1], json.loads(args[2]))))
    elif command == "bootstrap-job":
        print(json.dumps(bootstrap_job(args[0])))
    elif command == "scan":
        print(json.dumps(scan(args[0], args[1])))
    elif command == "report":
        return report(args[0])
    else:
        fail(f"unknown command {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
