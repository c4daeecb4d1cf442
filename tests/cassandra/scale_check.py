"""The shipped scale playbooks on the tier's real cluster, through its Cassandra-backed agents,
as an operator runs them: `ringctl playbook run scale-down` and `scale-up` with the `command`
launcher (tests/cassandra/scale_node.py as the start and stop commands).

Used by fidelity_test.py last (they change the topology), on the cluster and agents it already
runs: `check_scale` writes rows through CQL at QUORUM into a keyspace of rf 3, decommissions a
node with the scale-down playbook (nodetool must agree it is gone, every row must still be
readable at QUORUM), then brings it back, empty, with the scale-up playbook, while
`ringctl netstats` through the joining node's agent is read until it shows the bootstrap
streaming (nodetool must agree it is back, every row readable at QUORUM again).

The test keyspaces of the fidelity test are dropped first: their replication factors above
the node count would (rightly) make Cassandra refuse a decommission without --force, which the
playbook never gives.
"""

import base64
import json
import os
import random
import shlex
import subprocess
import time
from pathlib import Path

from cassandra import ConsistencyLevel
from cassandra.concurrent import execute_concurrent_with_args

import agents_check
import cassandra_cluster
import operations_check

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KEYSPACE = "scale_rf3"
ROWS = 3000
VALUE_BYTES = 2250        # base64: 3000 characters a row, about 9 MB in all, per replica
# Streaming caps, so that the streams last long enough (seconds) for the agents, collecting
# every second, and netstats to see them: the leaver's while it leaves, the senders' while the
# node joins.
LEAVE_THROUGHPUT_MIB = "1"
JOIN_THROUGHPUT_MIB = "0.5"
PLAYBOOK_TIMEOUT = 900
# The nodes share this machine's disk and two cores: its disk use and the dropped messages of
# JVMs starved by each other say nothing about the cluster (as agents_check.DISK_THRESHOLDS).
MACHINE_VARS = ["disk_max=0.99"]
JOIN_VARS = ["disk_critical=0.995", "dropped_messages_critical=1"]


def rows():
    rng = random.Random(20261205)
    return [(k, base64.b64encode(rng.randbytes(VALUE_BYTES)).decode()) for k in range(ROWS)]


def connect():
    return cassandra_cluster.cql_connect(ConsistencyLevel.QUORUM, request_timeout=60)


def prepare_data(dropped):
    """Drops the keyspaces `dropped`, then creates KEYSPACE and writes ROWS rows at QUORUM."""
    driver, session = connect()
    try:
        driver.max_schema_agreement_wait = 0
        for name in dropped:
            session.execute(f"DROP KEYSPACE IF EXISTS {name}")
        session.execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}")
        session.execute(f"CREATE KEYSPACE {KEYSPACE} WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': '3'}")
        session.execute(f"CREATE TABLE {KEYSPACE}.kv (k int PRIMARY KEY, v text)")
        if not driver.control_connection.wait_for_schema_agreement(wait_time=120):
            raise cassandra_cluster.ClusterError("nodes did not agree on the schema within 120 s")
        insert = session.prepare(f"INSERT INTO {KEYSPACE}.kv (k, v) VALUES (?, ?)")
        execute_concurrent_with_args(session, insert, rows(), concurrency=32, raise_on_first_error=True)
    finally:
        driver.shutdown()


def unreadable_rows():
    """Every written row read back by its key at QUORUM: the problems (missing, wrong, failed)."""
    driver, session = connect()
    try:
        select = session.prepare(f"SELECT v FROM {KEYSPACE}.kv WHERE k = ?")
        written = rows()
        results = execute_concurrent_with_args(session, select, [(k,) for k, _ in written],
                                               concurrency=32, raise_on_first_error=False)
        problems = []
        for (key, value), (ok, result) in zip(written, results):
            if not ok:
                problems.append(f"k={key}: {result!r}")
            else:
                found = list(result)
                if len(found) != 1 or found[0].v != value:
                    problems.append(f"k={key}: {'missing' if not found else 'another value'}")
        return problems
    finally:
        driver.shutdown()


class Playbooks:
    """`ringctl playbook run` with a cluster config of its own (the agents of the running nodes,
    kept current by scale_node.py), the source tree's playbooks and a run dir of its own."""

    def __init__(self, agents, ringctl, nodes):
        run_dir = Path(agents.cluster.run_dir)
        self.ringctl = ringctl
        self.config = run_dir / "playbook-clusters.yaml"
        agents_check.write_config(self.config, [agents.address(n) for n in nodes])
        self.env = {**os.environ, "RINGCTL_CONFIG": str(self.config),
                    "RINGCTL_RUNS_DIR": str(run_dir / "playbook-runs"),
                    "XDG_CONFIG_HOME": str(run_dir / "xdg-config"),
                    "RINGCTL_PLAYBOOKS_DIR": str(REPO / "playbooks")}
        scale_node = ["/usr/bin/python3", str(HERE / "scale_node.py")]
        where = ["--dir", str(run_dir), "--config", str(self.config), "{address}"]
        self.start_command = shlex.join(scale_node + ["start"] + where)
        self.stop_command = shlex.join(scale_node + ["stop"] + where)

    def command(self, playbook, variables):
        args = [self.ringctl, "-o", "json", "playbook", "run", playbook]
        for variable in variables:
            args += ["--var", variable]
        return args + ["--yes"]

    def run(self, playbook, variables):
        return subprocess.run(self.command(playbook, variables), capture_output=True, text=True,
                              env=self.env, timeout=PLAYBOOK_TIMEOUT)


def events_of(stdout):
    events = []
    for line in stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return events


def run_problems(run, events):
    """The playbook run as an operator judges it: exit 0, a last event saying it succeeded."""
    if run.returncode == 0 and events and events[-1].get("event") == "run_finished" \
            and events[-1].get("status") == "succeeded":
        return []
    return [f"exit {run.returncode}; last events: {events[-3:]}\nstderr: {run.stderr[-2000:]}"]


def throttle(report, tools, agents, nodes, mib, failed_run):
    """`ringctl -h AGENT setstreamthroughput MIB` on each of `nodes`, so that their streams last
    long enough (seconds) for the agents, collecting every second, to see them."""
    for node in nodes:
        run = agents.ringctl(tools.ringctl, "-h", agents.address(node), "setstreamthroughput", mib)
        if run.returncode != 0:
            report.check(f"setstreamthroughput {mib} on {node.address}",
                         failed_run("ringctl setstreamthroughput", run))


def check_scale_down(report, tools, agents, playbooks, leaver, compare_status, failed_run):
    first = agents.cluster.nodes[0]
    throttle(report, tools, agents, [leaver], LEAVE_THROUGHPUT_MIB, failed_run)
    host_id = next((n.get("host_id") for n in agents.snapshot(first)["nodes"]
                    if n["address"] == leaver.address), None)
    started = time.monotonic()
    run = playbooks.run("scale-down", [f"node={leaver.address}", f"host_id={host_id}", "launcher=command",
                                       f"stop_command={playbooks.stop_command}", "leave_timeout=600"])
    events = events_of(run.stdout)
    problems = run_problems(run, events)
    jobs = [e for e in events if e.get("event") == "job" and e.get("operation") == "decommission"]
    streamed = [e for e in events if e.get("event") == "progress" and e.get("operation") == "decommission"]
    if not jobs:
        problems.append("no decommission job was started through the agent")
    if not streamed:
        problems.append("no progress event of the decommission")
    elif not all(e.get("unit") == "bytes" and 0 <= e["done"] <= e["total"] for e in streamed) \
            or streamed[-1]["total"] <= 0:
        problems.append(f"the decommission's progress is not its bytes streamed: {streamed}")
    else:
        print(f"    decommission progress: {[(e['done'], e['total']) for e in streamed]}", flush=True)
    if not any(e.get("event") == "node_stopping" and e.get("launcher") == "command" for e in events):
        problems.append("the node was not stopped through the command launcher")
    report.check(f"playbook scale-down {leaver.address} (launcher command) through ringd: succeeded, "
                 f"decommission with progress ({time.monotonic() - started:.1f} s)", problems)
    if cassandra_cluster.is_our_daemon(agents.cluster, leaver):
        report.check(f"scale-down stopped {leaver.address}", ["its JVM still runs"])
    operations_check.check_ring_without(report, tools, agents, leaver, "playbook scale-down", failed_run,
                                        compare_status)
    problems = unreadable_rows()
    report.check(f"every row of {KEYSPACE} ({ROWS}) readable at QUORUM after scale-down", problems)


def netstats_while(agents, tools, node, process):
    """`ringctl -h AGENT netstats` through `node`'s agent, read again and again until `process`
    ends: the first output showing the node joining with a bootstrap stream it receives, or
    None; and how many reads there were."""
    reads, seen = 0, None
    while process.poll() is None:
        netstats = agents.ringctl(tools.ringctl, "-h", agents.address(node), "netstats")
        reads += 1
        text = netstats.stdout
        if seen is None and netstats.returncode == 0 and "Mode: JOINING" in text \
                and any(line.startswith("Bootstrap ") for line in text.splitlines()) \
                and "Receiving " in text:
            seen = text
        time.sleep(0.2)
    return seen, reads


def check_scale_up(report, tools, agents, playbooks, joiner, senders, compare_status, failed_run):
    throttle(report, tools, agents, senders, JOIN_THROUGHPUT_MIB, failed_run)
    started = time.monotonic()
    # Its output goes to files, read once it ended: a pipe nobody reads meanwhile could fill.
    out_path = Path(agents.cluster.run_dir) / "playbook-scale-up.out"
    err_path = Path(agents.cluster.run_dir) / "playbook-scale-up.err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        process = subprocess.Popen(
            playbooks.command("scale-up", ["launcher=command", f"hosts={joiner.address}", f"dc={joiner.dc}",
                                           f"start_command={playbooks.start_command}", "join_timeout=600",
                                           *MACHINE_VARS, *JOIN_VARS]),
            stdout=out, stderr=err, env=playbooks.env)
    try:
        seen, reads = netstats_while(agents, tools, joiner, process)
        process.wait(timeout=PLAYBOOK_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stdout, stderr = out_path.read_text(), err_path.read_text()
    events = events_of(stdout)
    problems = run_problems(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), events)
    if not any(e.get("event") == "node_starting" and e.get("node") == joiner.address
               and e.get("launcher") == "command" for e in events):
        problems.append(f"{joiner.address} was not started through the command launcher")
    report.check(f"playbook scale-up {joiner.address} (launcher command) through ringd: succeeded "
                 f"({time.monotonic() - started:.1f} s)", problems)
    report.check(f"ringctl netstats through {joiner.address}'s agent showed it joining, receiving its "
                 f"bootstrap streams ({reads} reads)",
                 [] if seen else ["no read showed Mode: JOINING with a Bootstrap plan receiving"])
    if seen:
        print("    " + "\n    ".join(seen.splitlines()[:6]), flush=True)

    first = agents.cluster.nodes[0]
    expected = tools.nodetool_fresh("status")
    report.check(f"nodetool status after scale-up: {joiner.address} UN",
                 failed_run("nodetool status", expected) or
                 ([] if any(line.startswith("UN ") and f" {joiner.address} " in line
                            for line in expected.stdout.splitlines())
                  else [f"{joiner.address} is not UN:\n{expected.stdout}"]))
    snapshot = agents.wait_for(first, lambda s: agents_check.statuses(s).get(joiner.address) == ("up", "normal"),
                               f"{joiner.address} up and normal")
    actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "status")
    report.check(f"live status after scale-up through ringd {agents.address(first)}",
                 failed_run("ringctl status", actual) or
                 agents_check.status_problems(compare_status, expected, actual, agents, first, snapshot))
    report.check(f"every row of {KEYSPACE} ({ROWS}) readable at QUORUM after scale-up", unreadable_rows())


def check_scale(report, tools, agents, leaver, dropped, compare_status, failed_run):
    """scale-down of `leaver`, then scale-up bringing it back, on the nodes that run (at least
    four: rf 3 and system_distributed's rf 3 must fit the nodes left). `dropped`: keyspaces to
    drop first."""
    cluster = agents.cluster
    running = [n for n in cluster.nodes if cassandra_cluster.is_our_daemon(cluster, n)]
    started = time.monotonic()
    prepare_data(dropped)
    print(f"scale: {ROWS} rows written at QUORUM in {time.monotonic() - started:.1f} s", flush=True)
    gone = set(dropped)
    for node in running:
        agents.wait_for(node, lambda s: KEYSPACE in {k["name"] for k in s["keyspaces"]}
                        and not gone & {k["name"] for k in s["keyspaces"]},
                        f"{KEYSPACE} and none of the dropped keyspaces")
    playbooks = Playbooks(agents, tools.ringctl, running)
    check_scale_down(report, tools, agents, playbooks, leaver, compare_status, failed_run)
    senders = [n for n in running if n is not leaver]
    check_scale_up(report, tools, agents, playbooks, leaver, senders, compare_status, failed_run)
