"""A real Prometheus (the Debian package) scraping the tier's Cassandra-backed agents.

Used by fidelity_test.py while the agents of agents_check.py run beside a fully Up/Normal
cluster. `check_prometheus` starts Prometheus on PROMETHEUS_ADDRESS with a 1 s scrape interval
over every agent, then asserts through its query API that every target is up and that the ring
metrics carry the cluster's values: every agent sees every node up (ringd_peer_up), every node
is normal and owns its tokens (ringd_node_state, ringd_tokens, against nodetool ring), its
effective ownership of a keyspace is nodetool status' Owns (effective), and its load is what the
node's Storage Load metric says over Jolokia. Then `promtool check metrics` must find nothing in
each agent's /metrics. Prometheus is stopped before the check returns, pass or fail.
"""

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import cassandra_cluster

# Not the agent tests' 127.0.0.1:19590 (tests/agent/prometheus_scrape_test.sh).
PROMETHEUS_ADDRESS = "127.0.0.1:19690"
DEADLINE = 60            # seconds for Prometheus to start and to have scraped what is asserted
STORAGE_LOAD = "org.apache.cassandra.metrics:type=Storage,name=Load"


class Prometheus:
    def __init__(self, run_dir, targets):
        self.directory = Path(run_dir) / "prometheus"
        self.targets = targets
        self.process = None

    def start(self):
        self.directory.mkdir(exist_ok=True)
        config = self.directory / "prometheus.yml"
        listed = "\n".join(f"          - {target}" for target in self.targets)
        config.write_text("global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
                          "scrape_configs:\n  - job_name: ringd\n    static_configs:\n"
                          f"      - targets:\n{listed}\n")
        checked = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True,
                                 text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"promtool rejects the generated config:\n{checked.stdout}{checked.stderr}")
        log = open(self.directory / "prometheus.log", "w")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.directory / 'tsdb'}",
             f"--web.listen-address={PROMETHEUS_ADDRESS}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def query(self, expression):
        """The instant query's result: [{"metric": {...}, "value": [t, "v"]}]."""
        url = (f"http://{PROMETHEUS_ADDRESS}/api/v1/query?"
               + urllib.parse.urlencode({"query": expression}))
        with urllib.request.urlopen(url, timeout=5) as reply:
            return json.loads(reply.read())["data"]["result"]

    def wait_for(self, what, problems_now):
        """Poll until problems_now() is empty or DEADLINE passes; the last problems."""
        deadline = time.monotonic() + DEADLINE
        while True:
            if self.process.poll() is not None:
                return [f"prometheus exited {self.process.returncode} "
                        f"(log: {self.directory / 'prometheus.log'})"]
            try:
                problems = problems_now()
            except (OSError, urllib.error.URLError, KeyError, ValueError) as error:
                problems = [f"query failed: {error}"]
            if not problems:
                return []
            if time.monotonic() > deadline:
                return [f"{what}: not so after {DEADLINE} s"] + problems
            time.sleep(0.5)


def by_node(result, label="node"):
    """{label value: float value} of a query result (one series per node asserted elsewhere)."""
    return {series["metric"].get(label): float(series["value"][1]) for series in result}


def tokens_in_ring(ring_text):
    """{address: number of tokens} from nodetool ring's rows."""
    counts = {}
    for line in ring_text.splitlines():
        fields = line.split()
        if len(fields) >= 7 and fields[0].count(".") == 3:
            counts[fields[0]] = counts.get(fields[0], 0) + 1
    return counts


def owns_in_status(status_text):
    """{address: Owns (effective) in percent} from `nodetool status KS`."""
    owns = {}
    for line in status_text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[1].count(".") == 3:
            owns[fields[1]] = float(next(f for f in fields if f.endswith("%"))[:-1])
    return owns


def check_prometheus(report, tools, agents, keyspace):
    cluster = agents.cluster
    nodes = [n.address for n in cluster.nodes]
    targets = [agents.address(n) for n in cluster.nodes]
    missing = [tool for tool in ("prometheus", "promtool") if shutil.which(tool) is None]
    if missing:
        report.check("Prometheus scrapes the agents", f"not installed: {', '.join(missing)} "
                     "(scripts/install-deps.sh test installs the Debian package prometheus)")
        return
    # Written rows sit in memtables, which Load does not count: flushed, the loads differ
    # from node to node and from zero, so equality below says something.
    for node in cluster.nodes:
        reply = cassandra_cluster.jolokia_request(node, {
            "type": "exec", "mbean": cassandra_cluster.STORAGE_SERVICE,
            "operation": "forceKeyspaceFlush(java.lang.String,[Ljava.lang.String;)",
            "arguments": [keyspace, []]}, timeout=60)
        if reply.get("status") != 200:
            raise RuntimeError(f"flush of {keyspace} on node{node.index}: {reply.get('error')}")
    prometheus = Prometheus(cluster.run_dir, targets)
    prometheus.start()
    try:
        ready = prometheus.wait_for("Prometheus ready", lambda: [] if prometheus.query("vector(1)") else ["no answer"])
        if ready:
            report.check(f"Prometheus on {PROMETHEUS_ADDRESS} serves queries", ready)
            return

        def targets_up():
            up = by_node(prometheus.query('up{job="ringd"}'), "instance")
            return [f"{t}: up {up.get(t)}" for t in targets if up.get(t) != 1.0] + \
                   [f"unexpected target {t}" for t in up if t not in targets]
        report.check(f"Prometheus: every agent's target is up ({len(targets)})",
                     prometheus.wait_for("every target up", targets_up))

        def peer_matrix():
            seen = {(s["metric"].get("node"), s["metric"].get("peer")): float(s["value"][1])
                    for s in prometheus.query("ringd_peer_up")}
            want = {(node, peer) for node in nodes for peer in nodes}
            return ([f"{node} sees {peer}: {seen.get((node, peer))}" for node, peer in sorted(want)
                     if seen.get((node, peer)) != 1.0] +
                    [f"unexpected series {pair}" for pair in sorted(set(seen) - want)])
        report.check(f"Prometheus: ringd_peer_up is 1 for every (agent, peer) pair ({len(nodes)}x{len(nodes)})",
                     prometheus.wait_for("the full peer matrix", peer_matrix))

        ring = tools.nodetool("ring")
        expected_tokens = tokens_in_ring(ring.stdout)

        def ring_metrics():
            normal = by_node(prometheus.query('ringd_node_state{state="normal"}'))
            tokens = by_node(prometheus.query("ringd_tokens"))
            problems = [f"{n}: ringd_node_state{{state=normal}} {normal.get(n)}" for n in nodes
                        if normal.get(n) != 1.0]
            problems += [f"{n}: ringd_tokens {tokens.get(n)}, nodetool ring {expected_tokens.get(n)}"
                         for n in nodes if tokens.get(n) != expected_tokens.get(n)]
            return problems
        report.check("Prometheus: every node normal, ringd_tokens equal to its tokens in nodetool ring",
                     prometheus.wait_for("ring metrics", ring_metrics))

        status = tools.nodetool("status", keyspace)
        expected_owns = owns_in_status(status.stdout)

        def ownership():
            owns = by_node(prometheus.query(f'ringd_effective_ownership_ratio{{keyspace="{keyspace}"}}'))
            # nodetool prints one decimal of a percentage: half a step either way.
            return [f"{n}: ratio {owns.get(n)}, nodetool status {keyspace} {expected_owns.get(n)}%"
                    for n in nodes if owns.get(n) is None or expected_owns.get(n) is None
                    or abs(owns[n] * 100 - expected_owns[n]) > 0.05 + 1e-9]
        report.check(f"Prometheus: ringd_effective_ownership_ratio{{keyspace={keyspace}}} equals "
                     "nodetool status' Owns (effective)", prometheus.wait_for("ownership", ownership))

        def loads():
            got = by_node(prometheus.query("ringd_load_bytes"))
            problems = []
            for node in cluster.nodes:
                want = cassandra_cluster.jolokia_read(node, STORAGE_LOAD, "Count")
                if want == 0:
                    problems.append(f"{node.address}: Storage Load 0 after a flush of {keyspace}")
                if got.get(node.address) != float(want):
                    problems.append(f"{node.address}: ringd_load_bytes {got.get(node.address)}, "
                                    f"Storage Load {want}")
            return problems
        report.check("Prometheus: ringd_load_bytes of every node equals its Storage Load metric (Jolokia)",
                     prometheus.wait_for("loads", loads))
    finally:
        prometheus.stop()

    problems = []
    for node in cluster.nodes:
        with urllib.request.urlopen(agents.url(node, "/metrics"), timeout=5) as reply:
            text = reply.read()
        checked = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
        output = (checked.stdout + checked.stderr).decode(errors="replace").strip()
        if checked.returncode != 0 or output:
            problems.append(f"{agents.address(node)}: exit {checked.returncode}: {output}")
    report.check(f"promtool check metrics finds nothing in the {len(cluster.nodes)} agents' /metrics",
                 problems)
