"""ringd beside every node of the tier's cluster (backend cassandra, through each node's
Jolokia agent), and ringctl through those agents compared with nodetool from the same jars.

Used by fidelity_test.py on the cluster it already runs: `Agents` starts one ringd per node on
127.0.0.N:AGENT_PORT and writes a ringctl cluster config naming them; `check_live` compares
`ringctl -h AGENT status|ring|info` with nodetool and runs `ringctl health`; `check_live_node_down`
does it again once a node is stopped (DN, health critical naming it, that node's agent stale
and not ready, yet answering at once). `check_live_describering`, `check_live_gossipinfo` and
`check_live_netstats` compare those commands through node 1's agent with nodetool on node 1.
"""

import difflib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

AGENT_PORT = 7070
READY_TIMEOUT = 90       # seconds for every agent's first collection
# The nodes share this machine's disk, whose use says nothing about the cluster; only a full
# disk fails the health checks here.
DISK_THRESHOLDS = ["--threshold", "disk_warn=0.99", "--threshold", "disk_critical=0.995"]
INFO_FIELDS = ["ID", "Gossip active", "Native Transport active", "Generation No", "Data Center",
               "Rack", "Token"]


def http_get(url, timeout=5.0):
    """(status, decoded JSON body or None, seconds taken)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read()), time.monotonic() - started
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, (json.loads(body) if body else None), time.monotonic() - started


def write_config(path, agents):
    """A ringctl cluster config whose default cluster has `agents` (HOST:PORT strings)."""
    listed = ", ".join(json.dumps(agent) for agent in agents)
    Path(path).write_text(f"default: fidelity\nclusters:\n  fidelity:\n    agents: [{listed}]\n")


class Agents:
    def __init__(self, cluster, ringd):
        self.cluster = cluster
        self.ringd = ringd
        self.processes = {}
        self.config = Path(cluster.run_dir) / "ringctl-clusters.yaml"
        self.health_keyspace = None   # set by check_live

    def address(self, node):
        return f"{node.address}:{AGENT_PORT}"

    def url(self, node, path):
        return f"http://{self.address(node)}{path}"

    def start(self):
        for node in self.cluster.nodes:
            logs = node.directory(self.cluster.run_dir) / "logs"
            logs.mkdir(parents=True, exist_ok=True)   # a node stopped for good may have none
            log = open(logs / "ringd.log", "w")
            self.processes[node.index] = subprocess.Popen(
                [self.ringd, "--listen", self.address(node), "--backend", "cassandra",
                 "--jolokia-url", node.jolokia_url, "--interval", "1"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            log.close()
        write_config(self.config, [self.address(n) for n in self.cluster.nodes])

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def snapshot(self, node):
        status, body, _ = http_get(self.url(node, "/v1/cluster"))
        return body["snapshot"] if status == 200 else None

    def wait_for(self, node, predicate, what, timeout=READY_TIMEOUT):
        """Poll the agent's /v1/cluster until predicate(snapshot); the snapshot."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.snapshot(node)
            except OSError:
                last = None
            if last and predicate(last):
                return last
            time.sleep(0.3)
        raise RuntimeError(f"agent {self.address(node)}: {what} not seen in {timeout} s; "
                           f"last snapshot: {json.dumps(last)[:600]}")

    def wait_for_collection(self, node, timeout=15):
        """Until the agent's facts come from a collection that finished after this call: what
        it then serves is at least as new as what was read from the node before the call."""
        started = time.monotonic()
        while time.monotonic() < started + timeout:
            status, body, _ = http_get(self.url(node, "/v1/node"))
            age = body["freshness"]["age_seconds"] if status == 200 else None
            if age is not None and age < time.monotonic() - started:
                return
            time.sleep(0.2)
        raise RuntimeError(f"agent {self.address(node)}: no collection within {timeout} s")

    def ringctl(self, ringctl, *args, timeout=60):
        env = {**os.environ, "RINGCTL_CONFIG": str(self.config)}
        return subprocess.run([ringctl, *args], capture_output=True, text=True, env=env, timeout=timeout)


def statuses(snapshot):
    return {n["address"]: (n["status"], n["state"]) for n in snapshot["nodes"]}


def status_problems(compare_status, expected, actual, agents, node, before):
    """compare_status of nodetool's and ringctl's status, ringctl's Load cells judged against
    the agent's snapshot read before the call or, failing that, after it: a load broadcast
    (gossip, every 60 s) may land between the two."""
    problems = compare_status(expected.stdout, actual.stdout, before)
    if problems and not compare_status(expected.stdout, actual.stdout, agents.snapshot(node)):
        return []
    return problems


def info_lines(text):
    """The deterministic lines of nodetool info / ringctl info, by field (Token: all of them)."""
    lines = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        name = name.strip()
        if sep and name in INFO_FIELDS:
            lines.setdefault(name, []).append(value.strip())
    return lines


def check_live(report, tools, agents, keyspaces, compare_status, compare_ring, failed_run):
    """Every agent up to date with every node Up/Normal and every keyspace, then ringctl
    through the agents against nodetool (the outputs the fidelity test prefetched)."""
    cluster = agents.cluster
    addresses = {n.address for n in cluster.nodes}
    names = set(keyspaces)
    for node in cluster.nodes:
        agents.wait_for(node, lambda s: statuses(s) == {a: ("up", "normal") for a in addresses}
                        and names <= {k["name"] for k in s["keyspaces"]},
                        "every node up/normal and every test keyspace")
    keyspace = keyspaces[0]
    agents.health_keyspace = keyspace
    for node in cluster.nodes:
        for extra in ((), (keyspace,)):
            name = f"live status {' '.join(extra) or '(no keyspace)'} through ringd {agents.address(node)}"
            expected = tools.nodetool("status", *extra)
            snapshot = agents.snapshot(node)
            actual = agents.ringctl(tools.ringctl, "-h", agents.address(node), "status", *extra)
            report.check(name, failed_run("ringctl status", actual) or
                         status_problems(compare_status, expected, actual, agents, node, snapshot))
    first = cluster.nodes[0]
    expected = tools.nodetool("ring", keyspace)
    snapshot = agents.snapshot(first)
    actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "ring", keyspace)
    report.check(f"live ring {keyspace} through ringd {agents.address(first)}",
                 failed_run("ringctl ring", actual) or compare_ring(expected.stdout, actual.stdout, snapshot))

    expected = tools.nodetool("info", "--tokens")
    actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "info", "--tokens")
    problems = failed_run("ringctl info", actual)
    if not problems:
        want, got = info_lines(expected.stdout), info_lines(actual.stdout)
        problems = [f"{field}: nodetool {want.get(field)}, ringctl {got.get(field)}"
                    for field in INFO_FIELDS if want.get(field) != got.get(field)]
    report.check(f"live info --tokens through ringd {agents.address(first)} ({', '.join(INFO_FIELDS)})",
                 problems)

    # The seed list (StorageService Seeds, nodetool getseeds): cassandra_cluster.py names
    # 127.0.0.1 alone. Cassandra leaves a node's own address out, so it is compared without it.
    problems = []
    for node in cluster.nodes:
        status, body, _ = http_get(agents.url(node, "/v1/node"))
        seeds = set(body["node"].get("seeds", [])) if status == 200 else None
        if seeds is None or seeds - {node.address} != {"127.0.0.1"} - {node.address}:
            problems.append(f"{node.address}: seeds {seeds}, expected 127.0.0.1")
    report.check("live /v1/node seeds through every agent: the cluster's seed", problems)

    # The load by keyspace (each keyspace's LiveDiskSpaceUsed gauge), which weighs the
    # keyspaces in health's and rebalance's density checks: every test keyspace, in bytes.
    problems = []
    for node in cluster.nodes:
        status, body, _ = http_get(agents.url(node, "/v1/node"))
        loads = body["node"].get("keyspace_loads", {}) if status == 200 else {}
        missing = sorted(names - set(loads))
        odd = {k: v for k, v in loads.items() if not isinstance(v, int) or v < 0}
        if missing or odd:
            problems.append(f"{node.address}: keyspace_loads {loads}: missing {missing}, not byte counts {odd}")
    report.check("live /v1/node keyspace_loads through every agent: every test keyspace, in bytes", problems)

    # Judged for an rf 1 keyspace: the test keyspaces with rf above the node count (rf 6 on
    # two nodes) rightly make replica_availability critical.
    health = agents.ringctl(tools.ringctl, "health", "--keyspace", keyspace, *DISK_THRESHOLDS)
    report.check(f"ringctl health --keyspace {keyspace} through every agent: exit 0",
                 [] if health.returncode == 0 else
                 [f"exit {health.returncode}\n{health.stdout}{health.stderr}"])


def check_live_describering(report, tools, agents, keyspaces, compare_describering, failed_run):
    """`ringctl -h AGENT describering KS` through node 1's agent against nodetool describering,
    for every keyspace (the tokens and replicas ringd's snapshot places)."""
    first = agents.cluster.nodes[0]
    for keyspace in keyspaces:
        expected = tools.nodetool("describering", keyspace)
        actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "describering", keyspace)
        report.check(f"live describering {keyspace} through ringd {agents.address(first)}",
                     failed_run("nodetool describering", expected) or
                     failed_run("ringctl describering", actual) or
                     compare_describering(expected.stdout, actual.stdout))


def gossip_blocks(text):
    """{endpoint line: [its lines]} of gossipinfo text, and the endpoints in printed order.
    What changes by itself between two reads is masked: the heartbeat, and LOAD (its version
    and value move with each load broadcast)."""
    blocks, order = {}, []
    for line in text.split("\n"):
        if line.startswith("/"):
            order.append(line)
            blocks[line] = []
        elif order and line:
            if line.startswith("  heartbeat:"):
                line = "  heartbeat:<masked>"
            elif line.startswith("  LOAD:"):
                line = "  LOAD:<masked>"
            blocks[order[-1]].append(line)
    return blocks, order


def compare_gossipinfo(expected_text, actual_text):
    """Byte for byte per endpoint, heartbeat and LOAD masked; the endpoint order (nodetool's is
    a hash map's) and the final newlines are compared apart."""
    expected, _ = gossip_blocks(expected_text)
    actual, _ = gossip_blocks(actual_text)
    problems = []
    if set(expected) != set(actual):
        problems.append(f"endpoints differ: nodetool {sorted(expected)}, ringctl {sorted(actual)}")
    for endpoint in sorted(set(expected) & set(actual)):
        if expected[endpoint] != actual[endpoint]:
            diff = difflib.unified_diff(expected[endpoint], actual[endpoint], "nodetool", "ringctl",
                                        lineterm="", n=1)
            problems.append(f"{endpoint}:\n" + "\n".join(diff))
    tail_e = len(expected_text) - len(expected_text.rstrip("\n"))
    tail_a = len(actual_text) - len(actual_text.rstrip("\n"))
    if tail_e != tail_a:
        problems.append(f"final newlines: nodetool {tail_e}, ringctl {tail_a}")
    return problems


def check_live_gossipinfo(report, tools, agents, failed_run, label=""):
    """`ringctl -h AGENT gossipinfo` through node 1's agent against `nodetool gossipinfo` on
    node 1. The two reads are apart in time: a state that changed in between (a new schema
    or status version) is read again, both sides, until the deadline."""
    first = agents.cluster.nodes[0]
    deadline = time.monotonic() + 20
    while True:
        expected = tools.nodetool_fresh("gossipinfo")
        agents.wait_for_collection(first)
        actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "gossipinfo")
        problems = (failed_run("nodetool gossipinfo", expected) or failed_run("ringctl gossipinfo", actual)
                    or compare_gossipinfo(expected.stdout, actual.stdout))
        if not problems or time.monotonic() > deadline:
            break
    _, order_e = gossip_blocks(expected.stdout)
    _, order_a = gossip_blocks(actual.stdout)
    name = f"live gossipinfo{label} through ringd {agents.address(first)} (heartbeat, LOAD masked)"
    report.check(name, problems)
    if not problems and order_e != order_a:
        report.note("same endpoints as nodetool, in another order (nodetool prints hash map order)", name)


POOL_HEADER = "Pool Name"


def compare_netstats(expected_text, actual_text):
    """Byte for byte up to the pool table and its header; then the same pools, named alike,
    whose counters ringctl prints as n/a (docs/nodetool-differences.md)."""
    expected, actual = expected_text.split("\n"), actual_text.split("\n")
    split_e = next((i for i, l in enumerate(expected) if l.startswith(POOL_HEADER)), None)
    split_a = next((i for i, l in enumerate(actual) if l.startswith(POOL_HEADER)), None)
    if split_e is None or split_a is None:
        return [f"no '{POOL_HEADER}' table: nodetool {split_e}, ringctl {split_a}\n" +
                "\n".join(difflib.unified_diff(expected, actual, "nodetool", "ringctl", lineterm=""))]
    problems = []
    if expected[:split_e + 1] != actual[:split_a + 1]:
        problems.append("differs before the pool rows:\n" + "\n".join(
            difflib.unified_diff(expected[:split_e + 1], actual[:split_a + 1], "nodetool", "ringctl",
                                 lineterm="", n=1)))
    pools_e = [l[:25] for l in expected[split_e + 1:] if l]
    pools_a = [l[:25] for l in actual[split_a + 1:] if l]
    if pools_e != pools_a:
        problems.append(f"pools differ: nodetool {pools_e}, ringctl {pools_a}")
    not_na = [l for l in actual[split_a + 1:] if l and l[25:].split() != ["n/a"] * 4]
    if not_na:
        problems.append(f"ringctl pool rows not all n/a: {not_na}")
    return problems


def check_live_netstats(report, tools, agents, failed_run):
    """`ringctl -h AGENT netstats` through node 1's agent against `nodetool netstats` on node 1,
    on an idle cluster: mode, no streams, read repair counters, the pool table's layout."""
    first = agents.cluster.nodes[0]
    expected = tools.nodetool_fresh("netstats")
    agents.wait_for_collection(first)
    actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "netstats")
    report.check(f"live netstats through ringd {agents.address(first)}",
                 failed_run("nodetool netstats", expected) or failed_run("ringctl netstats", actual)
                 or compare_netstats(expected.stdout, actual.stdout))


def check_live_node_down(report, tools, agents, victim, compare_status, failed_run):
    """After `victim` stopped: DN through a live agent, health critical naming it, and the
    victim's own agent answering at once with stale facts and a reason for not being ready."""
    cluster = agents.cluster
    first = cluster.nodes[0]
    snapshot = agents.wait_for(first, lambda s: statuses(s).get(victim.address, ("", ""))[0] == "down",
                               f"{victim.address} down")
    expected = tools.nodetool("status")
    actual = agents.ringctl(tools.ringctl, "-h", agents.address(first), "status")
    report.check(f"live status ({victim.address} down) through ringd {agents.address(first)}",
                 failed_run("ringctl status", actual) or
                 status_problems(compare_status, expected, actual, agents, first, snapshot))

    # Again once the stopped node announced its shutdown: its states as it left them.
    check_live_gossipinfo(report, tools, agents, failed_run, f" ({victim.address} down)")

    health = agents.ringctl(tools.ringctl, "health", "--keyspace", agents.health_keyspace, *DISK_THRESHOLDS)
    problems = []
    if health.returncode != 5:
        problems.append(f"exit {health.returncode}, expected 5 (unfit)")
    if victim.address not in health.stdout:
        problems.append(f"the report does not name {victim.address}")
    report.check(f"ringctl health with {victim.address} down: critical (exit 5), naming it",
                 [p + f"\n{health.stdout}{health.stderr}" for p in problems])

    # The victim's agent: its node is gone, so once 3 intervals pass its facts are stale.
    deadline = time.monotonic() + 30
    problems = ["never stale"]
    while time.monotonic() < deadline:
        status, body, took = http_get(agents.url(victim, "/v1/node"))
        if status == 200 and body["freshness"]["stale"]:
            problems = [] if took < 1.0 else [f"/v1/node took {took:.2f} s"]
            ready_status, ready, ready_took = http_get(agents.url(victim, "/v1/health/ready"))
            if ready_status != 503:
                problems.append(f"/v1/health/ready answered {ready_status}, expected 503")
            elif "last error" not in ready["error"]["message"]:
                problems.append(f"/v1/health/ready gives no reason: {ready}")
            if ready_took >= 1.0:
                problems.append(f"/v1/health/ready took {ready_took:.2f} s")
            if body["node"].get("host_id") is None:
                problems.append("the last facts are gone")
            break
        time.sleep(0.5)
    report.check(f"ringd beside the stopped {victim.address}: last facts served at once, marked "
                 "stale; not ready, saying why", problems)
