#!/usr/bin/python3
"""Compare ringctl with a real Apache Cassandra cluster started by cassandra_cluster.py.

    fidelity_test.py --run-dir RUN_DIR [--ringctl PATH] [--ringd PATH [--operations]]
                     [--harness-only]

Steps: create test keyspaces (SimpleStrategy and NetworkTopologyStrategy, replication factors
below, at and above the rack and node counts) each with `kv (k text PRIMARY KEY, v text)`,
write a few hundred deterministic keys, export a ring snapshot (RUN_DIR/ring-snapshot.json),
then compare:

  token         CQL token(k) of every key            vs `ringctl token KEY...` (and --hex)
  getendpoints  server's natural endpoints, all keys vs `ringctl getendpoints --ring S KS KEY`
                (the StorageService operation nodetool getendpoints calls, read in bulk over
                Jolokia; a sample goes through real nodetool to prove the two agree)
  status        `nodetool status [KS]`               vs `ringctl status --ring S [KS]`
  describering  `nodetool describering KS`           vs `ringctl describering --ring S KS`
  ring          `nodetool ring [KS]`                 vs `ringctl ring --ring S [KS]`
  live          with --ringd: one ringd per node (backend cassandra); `ringctl -h AGENT
                status|ring|info|describering|gossipinfo|netstats` vs nodetool and `ringctl
                health`, again with a node down (agents_check.py); a real Prometheus scraping
                the agents, and promtool on their /metrics (prometheus_check.py)
  operations    with --operations too: repair and cleanup through an agent, a SIGSTOPped node,
                removenode of the stopped node, decommission refused (operations_check.py);
                last, the scale-down and scale-up playbooks (scale_check.py)

Harness checks (the snapshot against nodetool, CQL tokens against the driver's Murmur3) run
even with --harness-only, so the harness can be trusted before ringctl exists.
Every check prints PASS or FAIL with a precise diff; the last line is "N passed, M failed" and
the exit status is 1 if anything failed. Needs /usr/bin/python3 (Debian python3-cassandra).
"""

import argparse
import difflib
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from cassandra import ConsistencyLevel
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.metadata import Murmur3Token

sys.path.insert(0, str(Path(__file__).resolve().parent))
import agents_check       # noqa: E402
import cassandra_cluster  # noqa: E402
import export_snapshot    # noqa: E402
import operations_check   # noqa: E402
import prometheus_check   # noqa: E402
import scale_check        # noqa: E402

DEFAULT_RINGCTL = str(Path(__file__).resolve().parents[2] / "build" / "cli" / "ringctl")
SNAPSHOT_NAME = "ring-snapshot.json"
REPAIR_KEYSPACE = "fid_simple_rf2"   # with --operations: holds the test keys too, and is repaired
TOKEN_BATCH = 100          # keys per `ringctl token` call; keeps argv far below ARG_MAX
MAX_LISTED = 15            # mismatches printed per check before "... and N more"


# ---------------------------------------------------------------------------------------------
# Test keyspaces and keys

def test_keyspaces(datacenters):
    """(name, replication) pairs; NTS ones only when every DC they name exists."""
    simple = [(f"fid_simple_rf{rf}", {"class": "SimpleStrategy", "replication_factor": rf})
              for rf in (1, 2, 3, 6)]
    nts_specs = [
        {"dc1": 1},
        {"dc1": 3, "dc2": 1},            # rf 3 over dc1's two racks: a rack is used twice
        {"dc1": 2, "dc2": 2},            # one replica per dc1 rack; all of dc2
        {"dc2": 2},
        {"dc1": 4, "dc2": 3},            # above the node count in both DCs
    ]
    nts = []
    for spec in nts_specs:
        if set(spec) <= set(datacenters):
            name = "fid_nts_" + "_".join(f"{dc}_{rf}" for dc, rf in spec.items())
            nts.append((name, {"class": "NetworkTopologyStrategy", **spec}))
    return simple + nts


def cql_replication(replication):
    items = ", ".join(f"'{k}': '{v}'" for k, v in replication.items())
    return "{" + items + "}"


def make_keys(count, seed=20240611):
    """Deterministic text keys: ASCII, Latin-1, CJK, emoji, short and long, and many whose
    UTF-8 form has bytes >= 0x80 in the Murmur3 tail (length % 16 != 0), where Cassandra's
    sign-extending hash differs from textbook MurmurHash3. No key starts with '-' (it would
    be an option to both CLIs) and none holds control characters (argv-safe)."""
    fixed = ["a", "k", "key", "0", "1234567890", "hello world", "ringctl", "Cassandra",
             "é", "Ä", "ß", "日本語", "😀", "naïve café", "Ωmega", "tab\there",
             "x" * 15, "x" * 16, "x" * 17, "é" * 8, "aé", "abcdefghijklmnoé",
             "key with 'quotes' and \"double\"", "slash/and\\back", "ümlaut-end-ü",
             "L" * 1000, "λ" * 2500]
    fixed += ["p" * n + "é" for n in range(1, 33)]           # every tail length with 0xc3 0xa9
    alphabets = [
        [chr(c) for c in range(0x21, 0x7f) if chr(c) != "-"] + [" "],
        [chr(c) for c in range(0xa1, 0x180)],
        [chr(c) for c in range(0x4e00, 0x4e80)],
        [chr(c) for c in range(0x1f600, 0x1f640)],
    ]
    rng = random.Random(seed)
    keys = list(dict.fromkeys(fixed))
    seen = set(keys)
    while len(keys) < count:
        pool = [ch for alphabet in rng.sample(alphabets, rng.randint(1, 3)) for ch in alphabet]
        length = rng.choice([rng.randint(1, 40), rng.randint(41, 300)])
        key = "".join(rng.choice(pool) for _ in range(length)).strip()
        if key and not key.startswith("-") and key not in seen:
            seen.add(key)
            keys.append(key)
    return keys


def sample(keys, n, seed):
    return random.Random(seed).sample(keys, min(n, len(keys)))


# ---------------------------------------------------------------------------------------------
# Report

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.notes = {}

    def check(self, name, problems):
        """`problems`: a list of strings (empty = pass) or one string."""
        if isinstance(problems, str):
            problems = [problems] if problems else []
        if not problems:
            self.passed += 1
            print(f"PASS {name}", flush=True)
            return True
        self.failed += 1
        print(f"FAIL {name}", flush=True)
        for problem in problems[:MAX_LISTED]:
            print(indent(problem), flush=True)
        if len(problems) > MAX_LISTED:
            print(f"    ... and {len(problems) - MAX_LISTED} more", flush=True)
        return False


    def note(self, text, name):
        """Informative only: a known, deliberate difference, summarised by summary()."""
        self.notes.setdefault(text, []).append(name)

    def summary(self):
        for text, names in self.notes.items():
            print(f"NOTE (not a failure) {text}: {', '.join(names)}")
        print(f"{self.passed} passed, {self.failed} failed")


def indent(text, prefix="    "):
    return "\n".join(prefix + line for line in str(text).splitlines()) or prefix


def text_diff(expected, actual, expected_name="nodetool", actual_name="ringctl"):
    lines = difflib.unified_diff(visible(expected).splitlines(), visible(actual).splitlines(),
                                 expected_name, actual_name, lineterm="", n=1)
    return "\n".join(lines)


def visible(text):
    # Trailing spaces matter in these layouts; show them, and the final newline.
    return "\n".join(line + "¶" for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# Running the two tools

class Tools:
    def __init__(self, cluster, ringctl, snapshot_path):
        self.cluster = cluster
        self.ringctl = ringctl
        self.snapshot = str(snapshot_path)
        self.nodetool_cache = {}

    def prefetch_nodetool(self, commands):
        """nodetool costs a JVM start per call; run two at a time (two cores, idle cluster)."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            for args, result in zip(commands, pool.map(self._nodetool_uncached, commands)):
                self.nodetool_cache[tuple(args)] = result

    def _nodetool_uncached(self, args):
        return cassandra_cluster.run_nodetool(self.cluster, list(args), check=False)

    def nodetool_fresh(self, *args):
        """nodetool now, not from the cache: for output that changes as the cluster runs."""
        return self._nodetool_uncached(args)

    def nodetool(self, *args):
        if args not in self.nodetool_cache:
            self.nodetool_cache[args] = self._nodetool_uncached(args)
        return self.nodetool_cache[args]

    def run_ringctl(self, *args):
        try:
            return subprocess.run([self.ringctl, *args], capture_output=True, text=True,
                                  encoding="utf-8", errors="surrogateescape", timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            # Reported as a failed run (exit 127) so one bad call does not end the whole test.
            return subprocess.CompletedProcess([self.ringctl, *args], 127, "", str(error))

    def ringctl_ring_command(self, command, *args):
        return self.run_ringctl(command, "--ring", self.snapshot, *args)


def failed_run(name, result):
    """A problem string when a command did not exit 0, else ''."""
    if result.returncode == 0:
        return ""
    return (f"{name} exited {result.returncode}\n  stdout: {result.stdout!r}\n"
            f"  stderr: {result.stderr!r}")


# ---------------------------------------------------------------------------------------------
# Cluster side: schema, data, server answers

def connect():
    # ONE, not the driver's default LOCAL_ONE: some keyspaces have no replica in dc1, where
    # the only coordinator we talk to lives.
    return cassandra_cluster.cql_connect(ConsistencyLevel.ONE, request_timeout=30)


def create_schema(driver_cluster, session, keyspaces):
    """All DDL goes to node 1, one statement after the other, so the per-statement wait for
    schema agreement (seconds each on two cores) is switched off and done once at the end."""
    driver_cluster.max_schema_agreement_wait = 0
    for name, replication in keyspaces:
        session.execute(f"DROP KEYSPACE IF EXISTS {name}")
        session.execute(f"CREATE KEYSPACE {name} WITH replication = "
                        f"{cql_replication(replication)}")
        session.execute(f"CREATE TABLE {name}.kv (k text PRIMARY KEY, v text)")
    if not driver_cluster.control_connection.wait_for_schema_agreement(wait_time=120):
        raise cassandra_cluster.ClusterError("nodes did not agree on the schema within 120 s")
    driver_cluster.refresh_schema_metadata()


def write_keys(session, keyspace, keys):
    # token(k) is only returned for partitions that exist, so every key is written.
    insert = session.prepare(f"INSERT INTO {keyspace}.kv (k, v) VALUES (?, ?)")
    rows = [(key, str(i)) for i, key in enumerate(keys)]
    execute_concurrent_with_args(session, insert, rows, concurrency=64, raise_on_first_error=True)


def server_tokens_scan(session, keyspace):
    """{key: token} for every row, from one paged `SELECT k, token(k)` scan."""
    return {row[0]: row[1] for row in session.execute(f"SELECT k, token(k) FROM {keyspace}.kv")}


def server_tokens_by_key(session, keyspace, keys):
    """{key: token} from `SELECT token(k) ... WHERE k = ?`, one query per key."""
    select = session.prepare(f"SELECT token(k) FROM {keyspace}.kv WHERE k = ?")
    results = execute_concurrent_with_args(session, select, [(k,) for k in keys], concurrency=64)
    tokens = {}
    for key, (ok, rows) in zip(keys, results):
        row = rows.one() if ok else None
        tokens[key] = row[0] if row else None
    return tokens


def server_endpoints(cluster, keyspace, keys):
    """{key: [address, ...]} from StorageService.getNaturalEndpointsWithPort on node 1 — the
    operation `nodetool getendpoints` calls — in one bulk Jolokia request."""
    operation = "getNaturalEndpointsWithPort(java.lang.String,java.lang.String,java.lang.String)"
    requests = [{"type": "exec", "mbean": cassandra_cluster.STORAGE_SERVICE,
                 "operation": operation, "arguments": [keyspace, "kv", key]} for key in keys]
    replies = cassandra_cluster.jolokia_request(cluster.nodes[0], requests, timeout=120)
    endpoints = {}
    for key, reply in zip(keys, replies):
        if reply.get("status") != 200:
            raise cassandra_cluster.ClusterError(f"Jolokia getendpoints {keyspace} {key!r}: "
                                                 f"{reply.get('error')}")
        endpoints[key] = [address.rsplit(":", 1)[0] for address in reply["value"]]
    return endpoints


# ---------------------------------------------------------------------------------------------
# Layout parsing shared by status and ring

def column_starts(header, names):
    """Start offset of each column header name in a header row."""
    starts, position = [], 0
    for name in names:
        position = header.index(name, position)
        starts.append(position)
        position += len(name)
    return starts


def cut_cells(line, starts):
    cells = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(line)
        cells.append(line[start:end].rstrip())
    return cells


def format_size(num_bytes):
    """FileUtils.stringifyFileSize: DecimalFormat("#.##"), HALF_EVEN on the exact double."""
    value = float(num_bytes)
    for unit, size in (("TiB", 1024.0 ** 4), ("GiB", 1024.0 ** 3), ("MiB", 1024.0 ** 2),
                       ("KiB", 1024.0)):
        if value >= size:
            return f"{decimal_format_2(value / size)} {unit}"
    return f"{decimal_format_2(value)} bytes"


def decimal_format_2(value):
    text = str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# ---------------------------------------------------------------------------------------------
# status

STATUS_SECTION_LINES = 4   # Datacenter, underline, Status=Up/Down, |/ State=...


def parse_status(text):
    """{'sections': [{'dc', 'head': [4 lines], 'header': str, 'rows': [str]}], 'tail': [lines]}"""
    lines = text.split("\n")
    sections, i = [], 0
    while i < len(lines) and lines[i].startswith("Datacenter: "):
        head = lines[i:i + STATUS_SECTION_LINES]
        header = lines[i + STATUS_SECTION_LINES] if i + STATUS_SECTION_LINES < len(lines) else ""
        i += STATUS_SECTION_LINES + 1
        rows = []
        while i < len(lines) and lines[i] != "":
            rows.append(lines[i])
            i += 1
        i += 1   # the blank line after each section
        sections.append({"dc": head[0][len("Datacenter: "):], "head": head, "header": header,
                         "rows": rows})
    return {"sections": sections, "tail": lines[i:]}


def status_columns(header):
    names = ["--", "Address", "Load", "Tokens", "Owns (effective)" if "Owns (effective)" in header
             else "Owns", "Host ID", "Rack"]
    if "Token " in header.replace("Tokens", ""):     # token-per-node layout
        names = ["--", "Address", "Load", names[4], "Host ID", "Token", "Rack"]
    return names, column_starts(header, names)


def column_widths(header, starts):
    ends = starts[1:] + [len(header) + 2]
    return [end - start - 2 for start, end in zip(starts, ends)]


def status_rows_by_address(section):
    names, starts = status_columns(section["header"])
    rows = {}
    for line in section["rows"]:
        cells = dict(zip(names, cut_cells(line, starts)))
        rows[cells["Address"]] = cells
    return names, starts, rows


def padding_problems(tool, section):
    """Every cell left-justified to its column width, two spaces apart, last column too."""
    names, starts = status_columns(section["header"])
    widths = column_widths(section["header"], starts)
    problems = []
    for line in [section["header"]] + section["rows"]:
        cells = cut_cells(line, starts)
        rebuilt = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths))
        if line != rebuilt:
            problems.append(f"{tool} row not padded to the column widths {widths}:\n"
                            f"  got      {line!r}\n  expected {rebuilt!r}")
    return problems


def compare_status(expected_text, actual_text, snapshot):
    """nodetool status (expected) vs ringctl status (actual); Load and row order excluded."""
    expected, actual = parse_status(expected_text), parse_status(actual_text)
    problems = []
    dcs_e = [s["dc"] for s in expected["sections"]]
    dcs_a = [s["dc"] for s in actual["sections"]]
    if dcs_e != dcs_a:
        return [f"datacenters differ: nodetool {dcs_e}, ringctl {dcs_a}\n"
                + text_diff(expected_text, actual_text)]
    loads = {n["address"]: n["load_bytes"] for n in snapshot["nodes"]}
    for se, sa in zip(expected["sections"], actual["sections"]):
        dc = se["dc"]
        if se["head"] != sa["head"]:
            problems.append(f"[{dc}] section head differs:\n" +
                            text_diff("\n".join(se["head"]), "\n".join(sa["head"])))
        names_e, starts_e, rows_e = status_rows_by_address(se)
        names_a, starts_a, rows_a = status_rows_by_address(sa)
        if names_e != names_a:
            problems.append(f"[{dc}] columns differ: nodetool {names_e}, ringctl {names_a}")
            continue
        problems += layout_problems(dc, se, sa, names_e, starts_e, starts_a)
        problems += padding_problems("ringctl", sa)
        if set(rows_e) != set(rows_a):
            problems.append(f"[{dc}] addresses differ: nodetool {sorted(rows_e)}, "
                            f"ringctl {sorted(rows_a)}")
        for address in sorted(set(rows_e) & set(rows_a)):
            for name in names_e:
                if name == "Load":
                    continue
                if rows_e[address][name] != rows_a[address][name]:
                    problems.append(f"[{dc}] {address} {name}: nodetool "
                                    f"{rows_e[address][name]!r}, ringctl {rows_a[address][name]!r}")
            want_load = format_size(loads.get(address, 0))
            if rows_a[address]["Load"] != want_load:
                problems.append(f"[{dc}] {address} Load: ringctl {rows_a[address]['Load']!r}, "
                                f"snapshot load_bytes {loads.get(address)} formats as {want_load!r}")
    if expected["tail"] != actual["tail"]:
        problems.append("text after the last datacenter differs:\n" +
                        text_diff("\n".join(expected["tail"]), "\n".join(actual["tail"])))
    return problems


def layout_problems(dc, se, sa, names, starts_e, starts_a):
    """Column widths must agree except Load's, which depends on the load values."""
    widths_e = column_widths(se["header"], starts_e)
    widths_a = column_widths(sa["header"], starts_a)
    problems = []
    for name, we, wa in zip(names, widths_e, widths_a):
        if name != "Load" and we != wa:
            problems.append(f"[{dc}] column {name!r} width: nodetool {we}, ringctl {wa}\n"
                            f"  nodetool header {se['header']!r}\n  ringctl  header {sa['header']!r}")
    load = names.index("Load")
    if widths_e[load] == widths_a[load] and se["header"] != sa["header"]:
        problems.append(f"[{dc}] header row differs:\n  nodetool {se['header']!r}\n"
                        f"  ringctl  {sa['header']!r}")
    return problems


# ---------------------------------------------------------------------------------------------
# ring

RING_LOAD_OFFSET = 12 + 7 + 8   # from the Rack column: %-12s%-7s%-8s, then Load %-16s
RING_LOAD_WIDTH = 16


def mask_ring_loads(text):
    """Blank the Load field of every token row; returns (masked text, [(address, load)]).

    A DC's table is: header row, the start-token row (or an empty line), then token rows up
    to the next empty line."""
    lines = text.split("\n")
    loads, load_start, in_rows = [], None, False
    for i, line in enumerate(lines):
        if line.startswith("Address ") and "Rack" in line:
            load_start = line.index("Rack") + RING_LOAD_OFFSET
            in_rows = False
            continue
        if load_start is not None and not in_rows:     # the start-token row
            in_rows = True
            continue
        if in_rows and line == "":
            load_start, in_rows = None, False
            continue
        if in_rows:
            end = load_start + RING_LOAD_WIDTH
            loads.append((line[:load_start - RING_LOAD_OFFSET].strip(), line[load_start:end].strip()))
            lines[i] = line[:load_start] + " " * RING_LOAD_WIDTH + line[end:]
    return "\n".join(lines), loads


def compare_ring(expected_text, actual_text, snapshot):
    masked_e, _ = mask_ring_loads(expected_text)
    masked_a, loads_a = mask_ring_loads(actual_text)
    problems = []
    if masked_e != masked_a:
        problems.append("output differs (Load fields blanked):\n" + text_diff(masked_e, masked_a))
    sizes = {n["address"]: format_size(n["load_bytes"]) for n in snapshot["nodes"]}
    for address, load in loads_a:
        if address and load and load != sizes.get(address):
            problems.append(f"{address} Load {load!r}, snapshot formats as {sizes.get(address)!r}")
            break
    return problems


# ---------------------------------------------------------------------------------------------
# describering

def compare_describering(expected_text, actual_text):
    expected, actual = expected_text.split("\n"), actual_text.split("\n")
    problems = []
    for i, what in ((0, "schema version line"), (1, "TokenRange: line")):
        got_e = expected[i] if i < len(expected) else None
        got_a = actual[i] if i < len(actual) else None
        if got_e != got_a:
            problems.append(f"{what}: nodetool {got_e!r}, ringctl {got_a!r}")
    ranges_e, ranges_a = expected[2:], actual[2:]
    missing = sorted(set(ranges_e) - set(ranges_a))
    extra = sorted(set(ranges_a) - set(ranges_e))
    problems += [f"only in nodetool: {line!r}" for line in missing]
    problems += [f"only in ringctl:  {line!r}" for line in extra]
    if not missing and not extra and len(ranges_e) != len(ranges_a):
        problems.append(f"line counts differ: nodetool {len(ranges_e)}, ringctl {len(ranges_a)}")
    return problems


# ---------------------------------------------------------------------------------------------
# The checks

def check_harness(report, tools, snapshot, keys, cql_tokens, endpoints, keyspaces, sample_size):
    """Trust the reference before comparing against it."""
    driver = {k: Murmur3Token.hash_fn(k.encode("utf-8")) for k in keys}
    report.check("harness: CQL token(k) equals the driver's Murmur3 for every key",
                 [f"{k!r}: CQL {cql_tokens.get(k)}, driver {driver[k]}"
                  for k in keys if cql_tokens.get(k) != driver[k]])

    ring = tools.nodetool("ring")
    owners = {}
    for line in ring.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 7 and fields[0].count(".") == 3:
            owners[fields[-1]] = (fields[0], fields[1])
    expected = {t: (n["address"], n["rack"]) for n in snapshot["nodes"] for t in n["tokens"]}
    report.check("harness: snapshot tokens/racks equal nodetool ring",
                 failed_run("nodetool ring", ring) or
                 [f"token {t}: nodetool {owners.get(t)}, snapshot {expected.get(t)}"
                  for t in sorted(set(owners) | set(expected), key=int)
                  if owners.get(t) != expected.get(t)])

    status = tools.nodetool("status")
    seen = {}
    for section in parse_status(status.stdout)["sections"]:
        _, _, rows = status_rows_by_address(section)
        for address, cells in rows.items():
            seen[address] = (section["dc"], cells["Host ID"], cells["--"])
    want = {n["address"]: (n["dc"], n["host_id"], "UN") for n in snapshot["nodes"]}
    report.check("harness: snapshot dc/host id/status equal nodetool status",
                 failed_run("nodetool status", status) or
                 [f"{a}: nodetool {seen.get(a)}, snapshot {want.get(a)}"
                  for a in sorted(set(seen) | set(want)) if seen.get(a) != want.get(a)])

    for keyspace, _ in keyspaces:
        problems = []
        for key in sample(keys, sample_size, seed=keyspace):
            result = tools.nodetool("getendpoints", keyspace, "kv", key)
            got = result.stdout.splitlines()
            if result.returncode != 0 or got != endpoints[keyspace][key]:
                problems.append(f"{key!r}: nodetool {got} (exit {result.returncode}, "
                                f"{result.stderr.strip()[:200]!r}), Jolokia {endpoints[keyspace][key]}")
        report.check(f"harness: nodetool getendpoints equals bulk Jolokia answers "
                     f"({keyspace}, {min(sample_size, len(keys))} keys)", problems)


def check_tokens(report, tools, keys, cql_tokens):
    problems = []
    for hex_mode in (False, True):
        mode = "--hex " if hex_mode else ""
        for start in range(0, len(keys), TOKEN_BATCH):
            batch = keys[start:start + TOKEN_BATCH]
            args = [k.encode("utf-8").hex() for k in batch] if hex_mode else batch
            result = tools.run_ringctl("token", *(["--hex"] if hex_mode else []), *args)
            if result.returncode != 0:
                problems.append(failed_run(f"ringctl token {mode}(keys {start}..)", result))
                continue
            got = result.stdout.splitlines()
            if len(got) != len(batch):
                problems.append(f"ringctl token {mode}printed {len(got)} lines for "
                                f"{len(batch)} keys (keys {start}..)")
            for key, line in zip(batch, got):
                if line != str(cql_tokens[key]):
                    problems.append(f"ringctl token {mode}{key!r}: ringctl {line!r}, "
                                    f"Cassandra {cql_tokens[key]}")
    report.check(f"token: ringctl token (text and --hex) equals CQL token(k), "
                 f"{len(keys)} keys", problems)


def check_getendpoints(report, tools, keyspace, keys, endpoints):
    problems = []
    for key in keys:
        result = tools.ringctl_ring_command("getendpoints", keyspace, key)
        if result.returncode != 0:
            problems.append(failed_run(f"ringctl getendpoints {keyspace} {key!r}", result))
        elif result.stdout.splitlines() != endpoints[key]:
            problems.append(f"key {key!r} token {Murmur3Token.hash_fn(key.encode())}: "
                            f"Cassandra {endpoints[key]}, ringctl {result.stdout.splitlines()}")
    report.check(f"getendpoints {keyspace}: {len(keys)} keys", problems)


def check_layout(report, name, tools, nodetool_args, ringctl_args, compare, order=None):
    """Run both tools, compare; `order(text)` (optional) lists the lines whose order is
    compared for information only (nodetool prints HashMap order there)."""
    expected = tools.nodetool(*nodetool_args)
    actual = tools.ringctl_ring_command(*ringctl_args)
    problems = failed_run(f"nodetool {' '.join(nodetool_args)}", expected)
    if problems:   # the reference failing is a harness problem, reported as such
        report.check(name, problems)
        return
    problems = failed_run(f"ringctl {' '.join(ringctl_args)}", actual)
    report.check(name, problems or compare(expected.stdout, actual.stdout))
    if not problems and order and order(expected.stdout) != order(actual.stdout):
        report.note("same lines as nodetool, in another order (nodetool prints Java HashMap "
                    "order)", name)


def status_order(text):
    return [[row.split()[1] for row in s["rows"]] for s in parse_status(text)["sections"]]


def describering_order(text):
    return text.split("\n")[2:]


def wait_until_seen_down(cluster, node, timeout=60):
    """Poll node 1's gossip view until `node` is unreachable (a drained node announces its
    shutdown, so this is normally immediate)."""
    deadline = time.monotonic() + timeout
    while True:
        view = cassandra_cluster.ring_view(cluster.nodes[0])
        if node.address in view["UnreachableNodes"]:
            return
        if time.monotonic() > deadline:
            raise cassandra_cluster.ClusterError(f"node1 still sees {node.address} up {timeout} s "
                                                 "after stopping it")
        time.sleep(0.2)


def check_with_node_down(report, cluster, args, keyspaces, agents=None):
    """Stop the last node (it stays down; the tier's stop skips it) and compare the layouts
    that show liveness: DN rows in status, Down in ring."""
    victim = cluster.nodes[-1]
    cassandra_cluster.stop_nodes(cassandra_cluster.Cluster(
        run_dir=cluster.run_dir, home=cluster.home, heap=cluster.heap, nodes=[victim]))
    wait_until_seen_down(cluster, victim)
    snapshot_path = Path(args.run_dir) / "ring-snapshot-node-down.json"
    snapshot = export_snapshot.export("127.0.0.1", args.run_dir)
    export_snapshot.write_snapshot(snapshot, snapshot_path)
    statuses = {n["address"]: n["status"] for n in snapshot["nodes"]}
    report.check(f"harness: snapshot marks {victim.address} down and only it",
                 [f"{a}: {st}" for a, st in statuses.items()
                  if st != ("down" if a == victim.address else "up")])
    tools = Tools(cluster, args.ringctl, snapshot_path)
    keyspace = next((name for name, _ in keyspaces if victim.dc in name), keyspaces[0][0])
    commands = [("status",), ("status", keyspace), ("ring", keyspace)]
    tools.prefetch_nodetool(commands)
    label = f"{victim.address} down"
    check_layout(report, f"status ({label})", tools, ("status",), ("status",),
                 lambda e, a: compare_status(e, a, snapshot), order=status_order)
    check_layout(report, f"status {keyspace} ({label})", tools, ("status", keyspace),
                 ("status", keyspace), lambda e, a: compare_status(e, a, snapshot),
                 order=status_order)
    check_layout(report, f"ring {keyspace} ({label})", tools, ("ring", keyspace),
                 ("ring", keyspace), lambda e, a: compare_ring(e, a, snapshot))
    if agents:
        agents_check.check_live_node_down(report, tools, agents, victim, compare_status, failed_run)


def run(args):
    report = Report()
    cluster = cassandra_cluster.Cluster.load(Path(args.run_dir).resolve())
    datacenters = sorted({n.dc for n in cluster.nodes})
    keyspaces = test_keyspaces(datacenters)
    keys = make_keys(args.keys)
    timings = {}
    problems = cassandra_cluster.ring_problems(cluster, cluster.nodes[0])
    if problems:
        raise cassandra_cluster.ClusterError(
            f"the cluster in {args.run_dir} is not fully Up/Normal ({', '.join(problems)}); "
            "note that a fidelity run leaves its last node stopped: start a fresh cluster")

    started = time.monotonic()
    driver_cluster, session = connect()
    try:
        create_schema(driver_cluster, session, keyspaces)
        timings["schema"] = time.monotonic() - started
        started = time.monotonic()
        # Tokens do not depend on the keyspace: the keys go into the RF 1 keyspace only, whose
        # single replica per key makes a read at ONE see every write.
        token_keyspace = keyspaces[0][0]
        write_keys(session, token_keyspace, keys)
        if args.operations:   # data for the repair through ringd to compare
            write_keys(session, REPAIR_KEYSPACE, keys)
        cql_tokens = server_tokens_by_key(session, token_keyspace, keys)
        scanned = server_tokens_scan(session, token_keyspace)
        report.check(f"harness: SELECT token(k) WHERE k = ? agrees with a full scan "
                     f"({token_keyspace}, {len(keys)} keys)",
                     [f"{k!r}: WHERE k = ? {cql_tokens[k]}, scan {scanned.get(k)}"
                      for k in keys if cql_tokens[k] is None or scanned.get(k) != cql_tokens[k]])
        timings["write+token queries"] = time.monotonic() - started
    finally:
        driver_cluster.shutdown()

    started = time.monotonic()
    snapshot_path = Path(args.run_dir) / SNAPSHOT_NAME
    snapshot = export_snapshot.export("127.0.0.1", args.run_dir)
    export_snapshot.write_snapshot(snapshot, snapshot_path)
    print(f"snapshot: {snapshot_path} ({len(snapshot['nodes'])} nodes, "
          f"{len(snapshot['keyspaces'])} keyspaces)", flush=True)
    endpoints = {name: server_endpoints(cluster, name, keys) for name, _ in keyspaces}
    all_keyspaces = [k["name"] for k in snapshot["keyspaces"]]
    tools = Tools(cluster, args.ringctl, snapshot_path)
    commands = [("ring",), ("status",)]
    commands += [(c, ks) for ks in all_keyspaces for c in ("status", "ring", "describering")]
    commands += [("getendpoints", ks, "kv", key) for ks, _ in keyspaces
                 for key in sample(keys, args.nodetool_sample, seed=ks)]
    if args.ringd:
        commands.append(("info", "--tokens"))
    tools.prefetch_nodetool(commands)
    timings["export+server answers+nodetool"] = time.monotonic() - started

    check_harness(report, tools, snapshot, keys, cql_tokens, endpoints, keyspaces,
                  args.nodetool_sample)

    if args.harness_only:
        print("ringctl comparisons skipped (--harness-only)")
    elif not os.access(args.ringctl, os.X_OK):
        report.check(f"ringctl binary {args.ringctl} exists", "not found or not executable "
                     "(set RINGCTL, or build it: cmake --build build --target ringctl)")
    else:
        started = time.monotonic()
        check_tokens(report, tools, keys, cql_tokens)
        for name, _ in keyspaces:
            check_getendpoints(report, tools, name, keys, endpoints[name])
        for target in [None] + all_keyspaces:
            extra = (target,) if target else ()
            label = target or "(no keyspace)"
            check_layout(report, f"status {label}", tools, ("status", *extra),
                         ("status", *extra), lambda e, a: compare_status(e, a, snapshot),
                         order=status_order)
            check_layout(report, f"ring {label}", tools, ("ring", *extra), ("ring", *extra),
                         lambda e, a: compare_ring(e, a, snapshot))
            if target:
                check_layout(report, f"describering {label}", tools, ("describering", target),
                             ("describering", target), compare_describering,
                             order=describering_order)
        timings["ringctl comparisons"] = time.monotonic() - started

        agents = None
        try:
            if args.ringd:
                started = time.monotonic()
                agents = agents_check.Agents(cluster, args.ringd)
                agents.start()
                agents_check.check_live(report, tools, agents, [name for name, _ in keyspaces],
                                        compare_status, compare_ring, failed_run)
                timings["ringd live comparisons"] = time.monotonic() - started
                started = time.monotonic()
                agents_check.check_live_describering(report, tools, agents, all_keyspaces,
                                                     compare_describering, failed_run)
                agents_check.check_live_gossipinfo(report, tools, agents, failed_run)
                agents_check.check_live_netstats(report, tools, agents, failed_run)
                timings["ringd describering+gossipinfo+netstats"] = time.monotonic() - started
                if args.operations:
                    started = time.monotonic()
                    operations_check.check_repair_and_cleanup(report, tools, agents, REPAIR_KEYSPACE)
                    timings["ringd repair+cleanup"] = time.monotonic() - started
                started = time.monotonic()
                prometheus_check.check_prometheus(report, tools, agents, keyspaces[0][0])
                timings["prometheus"] = time.monotonic() - started
            if len(cluster.nodes) > 1:
                if agents and args.operations:
                    started = time.monotonic()
                    operations_check.check_hung_node(report, tools, agents, cluster.nodes[-1],
                                                     compare_status, failed_run)
                    timings["hung node (SIGSTOP)"] = time.monotonic() - started
                started = time.monotonic()
                check_with_node_down(report, cluster, args, keyspaces, agents)
                timings["node-down comparisons"] = time.monotonic() - started
                if agents and args.operations:
                    started = time.monotonic()
                    operations_check.check_removenode(report, tools, agents, cluster.nodes[-1],
                                                      compare_status, failed_run)
                    timings["ringd removenode"] = time.monotonic() - started
                    # The leaver: not node 1 (the agent compared through), and one whose DC keeps
                    # a node: emptying a DC leaves NTS keyspaces naming a DC without nodes, which
                    # ringctl refuses (common/src/snapshot.cpp).
                    left = cluster.nodes[:-1]
                    leaver = next((n for n in reversed(left[1:]) if sum(m.dc == n.dc for m in left) > 1), None)
                    if leaver:
                        started = time.monotonic()
                        # Two nodes fewer than at the start would be left.
                        refusing = next((name for name, replication in keyspaces
                                         if replication.get("replication_factor", 0) > len(cluster.nodes) - 2),
                                        None)
                        if refusing:
                            operations_check.check_decommission_refused(report, tools, agents, leaver, refusing)
                        timings["ringd decommission refused"] = time.monotonic() - started
                    if leaver and len(left) >= 4:   # rf 3 keyspaces must fit the nodes left
                        started = time.monotonic()
                        scale_check.check_scale(report, tools, agents, leaver, [name for name, _ in keyspaces],
                                                compare_status, failed_run)
                        timings["playbooks scale-down+scale-up"] = time.monotonic() - started
        finally:
            if agents:
                agents.stop()

    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    report.summary()
    return 1 if report.failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", required=True, help="directory of a running cluster")
    parser.add_argument("--ringctl", default=os.environ.get("RINGCTL", DEFAULT_RINGCTL),
                        help=f"ringctl binary (default $RINGCTL or {DEFAULT_RINGCTL})")
    parser.add_argument("--ringd", default=os.environ.get("RINGD"),
                        help="ringd binary: also compare ringctl through one ringd per node "
                             "(default $RINGD; unset: skipped)")
    parser.add_argument("--keys", type=int, default=400, help="number of test keys (default 400)")
    parser.add_argument("--nodetool-sample", type=int, default=2,
                        help="keys per keyspace sent through real nodetool getendpoints (default 2)")
    parser.add_argument("--operations", action="store_true",
                        help="with --ringd: also run operations through the agents (repair, "
                             "cleanup, removenode of the stopped node, decommission refused), hang "
                             "a node (SIGSTOP), and last the scale-down and scale-up playbooks")
    parser.add_argument("--harness-only", action="store_true",
                        help="only check the harness against Cassandra; skip ringctl")
    args = parser.parse_args()
    try:
        sys.exit(run(args))
    except (cassandra_cluster.ClusterError, RuntimeError) as error:
        print(f"fidelity_test.py: {error}")
        print("0 passed, 1 failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
