#!/usr/bin/python3
"""Start, inspect and stop a throwaway multi-node Apache Cassandra cluster on 127.0.0.x.

    cassandra_cluster.py start  --dir RUN_DIR [--nodes-layout dc1:rack1,dc1:rack2,dc2:rack1] ...
    cassandra_cluster.py status --dir RUN_DIR
    cassandra_cluster.py nodetool --dir RUN_DIR [--node N] -- status ks
    cassandra_cluster.py stop   --dir RUN_DIR
    cassandra_cluster.py start-node --dir RUN_DIR 127.0.0.N   (empty, bootstraps; idempotent)
    cassandra_cluster.py stop-node  --dir RUN_DIR 127.0.0.N   (idempotent)

The server comes from the jars resolve.sh put in the cache (no tarball, no bin/ scripts), so
this script writes every config file itself. Everything a run creates lives under RUN_DIR:

    RUN_DIR/cluster.json                  what the other scripts need (addresses, ports, pids)
    RUN_DIR/logback-tools.xml             WARN-only logging for nodetool
    RUN_DIR/nodeN/conf/                   cassandra.yaml, cassandra-rackdc.properties, logback.xml
    RUN_DIR/nodeN/logs/system.log         the node's log; console.log holds the JVM's own output
    RUN_DIR/nodeN/{data,commitlog,...}    created by Cassandra under -Dcassandra.storagedir

Node N listens on 127.0.0.N (storage 7000, CQL 9042), has JMX on 127.0.0.1:(7199 + 100*(N-1))
and a Jolokia agent on 127.0.0.1:(8778 + N-1). Run it with /usr/bin/python3 (the only
interpreter that has the Debian DataStax driver; this script itself needs only the standard
library).
"""

import argparse
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLUSTER_FILE = "cluster.json"
CLUSTER_NAME = "ringctl-fidelity"
STORAGE_PORT = 7000
CQL_PORT = 9042
JMX_PORT_BASE = 7199
JOLOKIA_PORT_BASE = 8778

# Murmur3Partitioner tokens are signed 64-bit; Long.MIN_VALUE is the partitioner's minimum
# token and never a node token.
MIN_NODE_TOKEN = -(2**63) + 1
MAX_NODE_TOKEN = 2**63 - 1

# conf/jvm17-server.options and jvm17-clients.options of Cassandra 5.0 share this set; on JDK 17
# the server dies at startup (and nodetool refuses to run) without it.
JPMS_FLAGS = [
    "-Djdk.attach.allowAttachSelf=true",
    *(f"--add-exports={m}=ALL-UNNAMED" for m in [
        "java.base/jdk.internal.misc",
        "java.management.rmi/com.sun.jmx.remote.internal.rmi",
        "java.management/com.sun.jmx.remote.security",
        "java.rmi/sun.rmi.registry",
        "java.rmi/sun.rmi.server",
        "java.sql/java.sql",
        "java.base/java.lang.ref",
        "jdk.unsupported/sun.misc",
        "jdk.attach/sun.tools.attach",
        "jdk.compiler/com.sun.tools.javac.file",
    ]),
    *(f"--add-opens={m}=ALL-UNNAMED" for m in [
        "java.base/java.lang.module",
        "java.base/jdk.internal.loader",
        "java.base/jdk.internal.ref",
        "java.base/jdk.internal.reflect",
        "java.base/jdk.internal.math",
        "java.base/jdk.internal.module",
        "java.base/jdk.internal.util.jar",
        "jdk.management/com.sun.management.internal",
        "java.base/sun.nio.ch",
        "java.base/java.io",
        "java.base/java.lang.reflect",
        "java.base/java.lang",
        "java.base/java.util",
        "java.base/java.nio",
        "jdk.compiler/com.sun.tools.javac",
    ]),
]

# Flags that make a small test node start fast; each exists in 5.0's CassandraRelevantProperties.
SPEED_UP_PROPERTIES = [
    "-Dcassandra.skip_wait_for_gossip_to_settle=0",  # skips >= 8 s of Gossiper.waitToSettle
    "-Dcassandra.ring_delay_ms=5000",                 # default 30 s shadow-round / quarantine waits
    "-Dcassandra.superuser_setup_delay_ms=1000",      # default 10 s before the default role exists
    "-Dcassandra.unsafesystem=true",                  # no fsync for system tables
    "-Dcassandra.available_processors=2",
]


class ClusterError(Exception):
    """A failure worth a clear one-paragraph message rather than a traceback."""


@dataclass
class Node:
    index: int          # 1-based
    dc: str
    rack: str
    tokens: list        # decimal strings
    pid: int = 0
    bootstrap: bool = False   # joins a running cluster, streaming its ranges (start-node)

    @property
    def address(self):
        return f"127.0.0.{self.index}"

    @property
    def jmx_port(self):
        return JMX_PORT_BASE + 100 * (self.index - 1)

    @property
    def jolokia_port(self):
        return JOLOKIA_PORT_BASE + self.index - 1

    @property
    def jolokia_url(self):
        return f"http://127.0.0.1:{self.jolokia_port}/jolokia"

    def directory(self, run_dir):
        return Path(run_dir) / f"node{self.index}"


@dataclass
class Cluster:
    run_dir: str
    home: str           # cache directory with lib/ and agent/ (from resolve.sh)
    heap: str
    nodes: list = field(default_factory=list)

    @property
    def lib_dir(self):
        return Path(self.home) / "lib"

    def jolokia_agent(self):
        jars = sorted((Path(self.home) / "agent").glob("jolokia-agent-jvm-*-javaagent.jar"))
        if not jars:
            raise ClusterError(f"no Jolokia agent jar in {self.home}/agent; run resolve.sh")
        return jars[-1]

    def jamm_agent(self):
        jars = sorted(self.lib_dir.glob("jamm-*.jar"))
        if not jars:
            raise ClusterError(f"no jamm jar in {self.lib_dir}; run resolve.sh")
        return jars[-1]

    def save(self):
        path = Path(self.run_dir) / CLUSTER_FILE
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")

    @staticmethod
    def load(run_dir):
        path = Path(run_dir) / CLUSTER_FILE
        if not path.exists():
            raise ClusterError(f"{path} not found: no cluster was started in {run_dir}")
        data = json.loads(path.read_text())
        nodes = [Node(**n) for n in data.pop("nodes")]
        return Cluster(nodes=nodes, **data)


# ---------------------------------------------------------------------------------------------
# Layout and tokens

def parse_layout(text):
    """'3' -> three nodes in dc1/rack1; 'dc1:rack1,dc1:rack2,dc2:rack1' -> one node per entry."""
    if text.isdigit():
        return [("dc1", "rack1")] * int(text)
    layout = []
    for entry in text.split(","):
        dc, sep, rack = entry.strip().partition(":")
        if not sep or not dc or not rack:
            raise ClusterError(f"bad --nodes-layout entry {entry!r}; expected DC:RACK")
        layout.append((dc, rack))
    if not 1 <= len(layout) <= 9:
        raise ClusterError("--nodes-layout must name 1 to 9 nodes (ports are 7N99 / 877N)")
    return layout


def make_tokens(node_count, num_tokens, seed):
    """Random vnode tokens, as operators get without the allocator, but reproducible by seed.

    They are written as initial_token so that startup never waits for the token allocator.
    """
    rng = random.Random(seed)
    chosen = set()
    per_node = []
    for _ in range(node_count):
        tokens = []
        while len(tokens) < num_tokens:
            token = rng.randint(MIN_NODE_TOKEN, MAX_NODE_TOKEN)
            if token not in chosen:
                chosen.add(token)
                tokens.append(token)
        per_node.append([str(t) for t in sorted(tokens)])
    return per_node


# ---------------------------------------------------------------------------------------------
# Config files

def cassandra_yaml(node):
    # Keys and names are the 5.0 ones; YamlConfigurationLoader rejects unknown keys.
    return f"""\
cluster_name: {CLUSTER_NAME}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
num_tokens: {len(node.tokens)}
initial_token: {",".join(node.tokens)}
auto_bootstrap: {"true" if node.bootstrap else "false"}
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:{STORAGE_PORT}"
listen_address: {node.address}
rpc_address: {node.address}
storage_port: {STORAGE_PORT}
native_transport_port: {CQL_PORT}
commitlog_sync: periodic
commitlog_sync_period: 10s
commitlog_segment_size: 5MiB
commitlog_disk_access_mode: legacy
disk_access_mode: standard
memtable_allocation_type: heap_buffers
auto_snapshot: false
incremental_backups: false
cdc_enabled: false
block_for_peers_timeout_in_secs: 0
"""


def rackdc_properties(node):
    return f"dc={node.dc}\nrack={node.rack}\n"


def node_logback_xml():
    return """\
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${cassandra.logdir}/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
"""


def tools_logback_xml():
    # Without a config logback logs DEBUG to stdout and pollutes nodetool's output.
    return """\
<configuration scan="false">
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%-5level %date{HH:mm:ss.SSS} %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
"""


def write_node_files(cluster, node):
    node_dir = node.directory(cluster.run_dir)
    conf = node_dir / "conf"
    for sub in (conf, node_dir / "logs", node_dir / "tmp"):
        sub.mkdir(parents=True, exist_ok=True)
    (conf / "cassandra.yaml").write_text(cassandra_yaml(node))
    (conf / "cassandra-rackdc.properties").write_text(rackdc_properties(node))
    (conf / "logback.xml").write_text(node_logback_xml())


# ---------------------------------------------------------------------------------------------
# Command lines

def server_command(cluster, node):
    node_dir = node.directory(cluster.run_dir)
    conf = node_dir / "conf"
    return [
        "java",
        *JPMS_FLAGS,
        f"-javaagent:{cluster.jamm_agent()}",
        # A thread pool, not Jolokia's default single thread: ringd's blocking operations
        # (decommission, cleanup) must not hold up its collection reads.
        f"-javaagent:{cluster.jolokia_agent()}=host=127.0.0.1,port={node.jolokia_port},"
        "discoveryEnabled=false,executor=fixed,threadNr=4",
        f"-Xms{cluster.heap}", f"-Xmx{cluster.heap}", "-Xss256k",
        "-XX:+UseG1GC", "-XX:+ParallelRefProcEnabled", "-XX:MaxGCPauseMillis=300",
        # Two cores shared by up to five JVMs: keep GC threads at one each.
        "-XX:ParallelGCThreads=1", "-XX:ConcGCThreads=1",
        "-XX:+PerfDisableSharedMem", "-XX:+UseThreadPriorities", "-XX:+ExitOnOutOfMemoryError",
        "-ea", "-da:net.openhft...",
        "-Djava.net.preferIPv4Stack=true",
        "-Dchronicle.analytics.disable=true",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "-Dio.netty.allocator.useCacheForAllThreads=true",
        "-Dio.netty.allocator.maxOrder=11",
        # JNA extracts its native library into the temp dir; give each node its own.
        f"-Djava.io.tmpdir={node_dir / 'tmp'}", f"-Djna.tmpdir={node_dir / 'tmp'}",
        f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
        f"-Dcassandra.storagedir={node_dir}",
        f"-Dcassandra.logdir={node_dir / 'logs'}",
        f"-Dlogback.configurationFile={conf / 'logback.xml'}",
        "-Dcassandra-foreground=yes",
        # Cassandra's own RMI connector, bound to 127.0.0.1 only; hence one port per node.
        f"-Dcassandra.jmx.local.port={node.jmx_port}",
        "-Dcom.sun.management.jmxremote.authenticate=false",
        *SPEED_UP_PROPERTIES,
        # conf/ first, as bin/cassandra does: GossipingPropertyFileSnitch reads
        # cassandra-rackdc.properties from the class path.
        "-cp", f"{conf}:{cluster.lib_dir}/*",
        "org.apache.cassandra.service.CassandraDaemon",
    ]


# For the many short nodetool calls of the fidelity test: C1-only JIT and the serial GC halve
# the CPU a call costs (about 1.5 s instead of 2.7 s here) without changing what it prints.
QUICK_CLIENT_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def nodetool_command(cluster, node, args, quick=False):
    """nodetool the way bin/nodetool runs it (client JPMS flags, small heap, WARN logging);
    quick=True adds QUICK_CLIENT_FLAGS (benchmarks leave it off)."""
    run_dir = Path(cluster.run_dir)
    return [
        "java",
        *JPMS_FLAGS,
        f"-javaagent:{cluster.jamm_agent()}",
        "-ea", "-Xmx128m", "-XX:ParallelGCThreads=1",
        *(QUICK_CLIENT_FLAGS if quick else []),
        f"-Dcassandra.storagedir={run_dir / 'nodetool'}",
        f"-Dlogback.configurationFile={run_dir / 'logback-tools.xml'}",
        "-cp", f"{cluster.lib_dir}/*",
        "org.apache.cassandra.tools.NodeTool",
        "-h", "127.0.0.1", "-p", str(node.jmx_port),
        *args,
    ]


def nodetool_env():
    # Java decodes argv (keys for getendpoints) and encodes stdout with the locale's charset;
    # under LANG=C a non-ASCII key would silently become a different key.
    return {**os.environ, "LC_ALL": "C.UTF-8"}


def run_nodetool(cluster, args, node_index=1, check=True, quick=True):
    """Run nodetool against node `node_index`; returns the CompletedProcess (text mode)."""
    node = cluster.nodes[node_index - 1]
    result = subprocess.run(nodetool_command(cluster, node, args, quick), env=nodetool_env(),
                            capture_output=True, text=True, encoding="utf-8")
    if check and result.returncode != 0:
        raise ClusterError(f"nodetool {' '.join(args)} (node{node_index}) exited "
                           f"{result.returncode}:\n{result.stdout}{result.stderr}")
    return result


# ---------------------------------------------------------------------------------------------
# CQL: the driver session the checks write and read through

def cql_connect(consistency_level, request_timeout):
    """A driver cluster and its session that talk to node 1 (127.0.0.1) only, at
    `consistency_level` with `request_timeout` seconds per request: (cluster, session); the
    caller shuts the cluster down. The driver (python3-cassandra) is imported here, so that
    starting and stopping a cluster does not need it."""
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import WhiteListRoundRobinPolicy
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy(["127.0.0.1"]),
                               consistency_level=consistency_level, request_timeout=request_timeout)
    driver = Cluster(["127.0.0.1"], execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                     protocol_version=5)
    return driver, driver.connect()


# ---------------------------------------------------------------------------------------------
# Jolokia: cheap HTTP reads of the same MBeans nodetool uses, for polling

def jolokia_request(node, request, timeout=5.0):
    """POST one Jolokia request (dict) or a bulk list; returns the decoded reply."""
    body = json.dumps(request).encode()
    req = urllib.request.Request(node.jolokia_url, data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as reply:
        return json.loads(reply.read())


def jolokia_read(node, mbean, attribute):
    reply = jolokia_request(node, {"type": "read", "mbean": mbean, "attribute": attribute})
    if reply.get("status") != 200:
        raise ClusterError(f"Jolokia read {mbean}/{attribute} on node{node.index}: "
                           f"{reply.get('error')}")
    return reply["value"]


STORAGE_SERVICE = "org.apache.cassandra.db:type=StorageService"


def ring_view(node):
    """What one node believes about the ring, from one bulk Jolokia request."""
    attributes = ["OperationMode", "LiveNodes", "UnreachableNodes", "JoiningNodes",
                  "LeavingNodes", "MovingNodes", "TokenToEndpointMap"]
    replies = jolokia_request(node, [{"type": "read", "mbean": STORAGE_SERVICE, "attribute": a}
                                     for a in attributes])
    view = {}
    for attribute, reply in zip(attributes, replies):
        if reply.get("status") != 200:
            raise ClusterError(f"Jolokia {attribute} on node{node.index}: {reply.get('error')}")
        view[attribute] = reply["value"]
    return view


def ring_problems(cluster, node):
    """Empty list when `node` sees every node Up and Normal with all its tokens."""
    view = ring_view(node)
    addresses = {n.address for n in cluster.nodes}
    token_count = sum(len(n.tokens) for n in cluster.nodes)
    problems = []
    if view["OperationMode"] != "NORMAL":
        problems.append(f"mode {view['OperationMode']}")
    if set(view["LiveNodes"]) != addresses:
        problems.append(f"live {sorted(view['LiveNodes'])}")
    for attribute in ("UnreachableNodes", "JoiningNodes", "LeavingNodes", "MovingNodes"):
        if view[attribute]:
            problems.append(f"{attribute} {sorted(view[attribute])}")
    if len(view["TokenToEndpointMap"]) != token_count:
        problems.append(f"{len(view['TokenToEndpointMap'])}/{token_count} tokens normal")
    return problems


# ---------------------------------------------------------------------------------------------
# Start

def port_is_open(host, port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def log_tail(cluster, node, lines=40):
    node_dir = node.directory(cluster.run_dir)
    text = []
    for name in ("logs/system.log", "console.log"):
        path = node_dir / name
        if path.exists():
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            text.append(f"--- last {len(tail)} lines of {path}:\n" + "\n".join(tail))
    return "\n".join(text) or f"(no log files in {node_dir})"


def check_ports_free(cluster):
    for node in cluster.nodes:
        for host, port, what in [(node.address, CQL_PORT, "CQL"),
                                 (node.address, STORAGE_PORT, "storage"),
                                 ("127.0.0.1", node.jmx_port, "JMX"),
                                 ("127.0.0.1", node.jolokia_port, "Jolokia")]:
            if port_is_open(host, port):
                raise ClusterError(f"{what} port {host}:{port} for node{node.index} is already "
                                   "in use; is another cluster running? "
                                   "(`cassandra_cluster.py stop --dir ...` stops one)")


def launch(cluster, node):
    node_dir = node.directory(cluster.run_dir)
    console = open(node_dir / "console.log", "w")
    # A session of its own, so a Ctrl-C in the terminal reaches this script (which then
    # stops the nodes cleanly) and not the JVMs directly.
    process = subprocess.Popen(server_command(cluster, node), cwd=node_dir, stdin=subprocess.DEVNULL,
                               stdout=console, stderr=subprocess.STDOUT, start_new_session=True)
    console.close()
    node.pid = process.pid
    cluster.save()
    return process


def wait_for_cql(cluster, node, process, deadline):
    """Poll the node's CQL port; fail early if the JVM dies."""
    while not port_is_open(node.address, CQL_PORT):
        if process.poll() is not None:
            raise ClusterError(f"node{node.index} ({node.address}) exited with status "
                               f"{process.returncode} during startup\n{log_tail(cluster, node)}")
        if time.monotonic() > deadline:
            raise ClusterError(f"node{node.index} ({node.address}) did not open CQL port "
                               f"{CQL_PORT} in time\n{log_tail(cluster, node)}")
        time.sleep(0.5)


def wait_for_ring(cluster, deadline):
    """Every node must see every node Up/Normal (gossip converges after the last start)."""
    pending = list(cluster.nodes)
    problems = {}
    while pending:
        still = []
        for node in pending:
            try:
                problems[node.index] = ring_problems(cluster, node)
            except (OSError, ClusterError) as error:
                problems[node.index] = [f"Jolokia: {error}"]
            if problems[node.index]:
                still.append(node)
        pending = still
        if pending and time.monotonic() > deadline:
            detail = "; ".join(f"node{n.index}: {', '.join(problems[n.index])}" for n in pending)
            raise ClusterError(f"ring did not converge in time: {detail}")
        if pending:
            time.sleep(0.5)


def confirm_with_nodetool(cluster):
    """Final check through real nodetool: one 'UN' row per node, seen from node 1."""
    output = run_nodetool(cluster, ["status"]).stdout
    up_normal = {line.split()[1] for line in output.splitlines() if line.startswith("UN ")}
    expected = {n.address for n in cluster.nodes}
    if up_normal != expected:
        raise ClusterError(f"nodetool status shows Up/Normal {sorted(up_normal)}, expected "
                           f"{sorted(expected)}:\n{output}")


def start(args):
    run_dir = Path(args.dir).resolve()
    if (run_dir / CLUSTER_FILE).exists():
        raise ClusterError(f"{run_dir} already holds a cluster; stop it and use a fresh --dir")
    home = args.home or resolve_home()
    layout = parse_layout(args.nodes_layout)
    tokens = make_tokens(len(layout), args.num_tokens, args.token_seed)
    cluster = Cluster(run_dir=str(run_dir), home=str(home), heap=args.heap)
    cluster.nodes = [Node(index=i + 1, dc=dc, rack=rack, tokens=tokens[i])
                     for i, (dc, rack) in enumerate(layout)]

    run_dir.mkdir(parents=True, exist_ok=True)
    check_ports_free(cluster)
    (run_dir / "logback-tools.xml").write_text(tools_logback_xml())
    for node in cluster.nodes:
        write_node_files(cluster, node)
    cluster.save()

    processes = []
    started = time.monotonic()
    try:
        # In sequence, seed first: a node whose seed is down waits ring_delay in its shadow
        # round, and two nodes joining at once on two cores only slow each other down.
        for node in cluster.nodes:
            node_started = time.monotonic()
            processes.append(launch(cluster, node))
            wait_for_cql(cluster, node, processes[-1], node_started + args.node_timeout)
            print(f"node{node.index} {node.address} {node.dc}/{node.rack} up in "
                  f"{time.monotonic() - node_started:.1f} s (pid {node.pid})", flush=True)
        wait_for_ring(cluster, time.monotonic() + args.node_timeout)
        confirm_with_nodetool(cluster)
    except BaseException:
        print("start failed; stopping the nodes already launched", file=sys.stderr, flush=True)
        stop_nodes(cluster, processes)
        raise
    print(f"cluster of {len(cluster.nodes)} nodes Up/Normal in "
          f"{time.monotonic() - started:.1f} s; run dir {run_dir}", flush=True)


def node_by_address(cluster, address):
    return next((n for n in cluster.nodes if n.address == address), None)


def fresh_tokens(cluster, node):
    """New random tokens for a node joining again, none of them another node's; seeded by the
    node and how many earlier lives it had (its directories moved aside), so runs repeat."""
    taken = {t for n in cluster.nodes if n is not node for t in n.tokens}
    lives = len(list(Path(cluster.run_dir).glob(f"node{node.index}.before-*")))
    rng = random.Random(f"node{node.index}-life{lives}")
    tokens = set()
    while len(tokens) < len(node.tokens):
        token = str(rng.randint(MIN_NODE_TOKEN, MAX_NODE_TOKEN))
        if token not in taken:
            tokens.add(token)
    return sorted(tokens, key=int)


def start_node(cluster, address, deadline_seconds=120):
    """Start the node at `address` as a new member that bootstraps into the running cluster
    (auto_bootstrap, streaming its ranges), with an empty directory and fresh tokens: what
    bringing a decommissioned or removed node back takes. Its old directory is kept beside as
    nodeN.before-LIFE, for its logs. Idempotent: a node that runs is left alone. Returns once its
    JVM runs (its Jolokia agent answers), not once it has joined."""
    node = node_by_address(cluster, address)
    if node is None:
        raise ClusterError(f"no node {address} in {cluster.run_dir}/{CLUSTER_FILE}; known: "
                           f"{', '.join(n.address for n in cluster.nodes)}")
    if is_our_daemon(cluster, node):
        print(f"node{node.index} {address} already runs (pid {node.pid})", flush=True)
        return node
    node_dir = node.directory(cluster.run_dir)
    if node_dir.exists():
        lives = len(list(Path(cluster.run_dir).glob(f"node{node.index}.before-*")))
        node_dir.rename(node_dir.with_name(f"node{node.index}.before-{lives + 1}"))
    node.tokens = fresh_tokens(cluster, node)
    node.bootstrap = True
    # A JVM just stopped may hold its ports a moment longer: its command line goes from /proc
    # (which stop_nodes watches) before its sockets are closed.
    alone = Cluster(run_dir=cluster.run_dir, home=cluster.home, heap=cluster.heap, nodes=[node])
    deadline = time.monotonic() + 30
    while True:
        try:
            check_ports_free(alone)
            break
        except ClusterError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    write_node_files(cluster, node)
    process = launch(cluster, node)
    deadline = time.monotonic() + deadline_seconds
    while True:
        if process.poll() is not None:
            raise ClusterError(f"node{node.index} ({address}) exited with status {process.returncode} "
                               f"at startup\n{log_tail(cluster, node)}")
        try:
            jolokia_request(node, {"type": "version"}, timeout=1.0)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise ClusterError(f"node{node.index} ({address}): no Jolokia answer in "
                                   f"{deadline_seconds} s\n{log_tail(cluster, node)}")
            time.sleep(0.2)
    print(f"node{node.index} {address} started to bootstrap (pid {node.pid})", flush=True)
    return node


def stop_node(cluster, address):
    """Stop the node at `address` (SIGTERM, SIGKILL after the grace period); idempotent."""
    node = node_by_address(cluster, address)
    if node is None:
        raise ClusterError(f"no node {address} in {cluster.run_dir}/{CLUSTER_FILE}")
    stop_nodes(Cluster(run_dir=cluster.run_dir, home=cluster.home, heap=cluster.heap, nodes=[node]))
    print(f"node{node.index} {address} stopped", flush=True)


def resolve_home():
    result = subprocess.run([str(HERE / "resolve.sh")], capture_output=True, text=True)
    if result.returncode != 0:
        raise ClusterError(f"resolve.sh failed:\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------------------------------------
# Stop

def is_our_daemon(cluster, node):
    """Guard against pid reuse: only signal a CassandraDaemon started from this run dir."""
    if not node.pid:
        return False
    try:
        cmdline = Path(f"/proc/{node.pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return ("CassandraDaemon" in cmdline
            and str(node.directory(cluster.run_dir) / "conf") in cmdline)


def stop_nodes(cluster, processes=(), grace_seconds=45):
    """SIGTERM every node (Cassandra drains on it), wait, then SIGKILL what is left."""
    by_pid = {p.pid: p for p in processes}
    alive = [n for n in cluster.nodes if is_our_daemon(cluster, n)]
    for node in alive:
        os.kill(node.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while alive and time.monotonic() < deadline:
        for process in by_pid.values():   # reap our own children so they don't linger
            process.poll()
        alive = [n for n in alive if is_our_daemon(cluster, n)]
        if alive:
            time.sleep(0.2)
    for node in alive:
        print(f"node{node.index} (pid {node.pid}) ignored SIGTERM for {grace_seconds} s; "
              "sending SIGKILL", file=sys.stderr)
        os.kill(node.pid, signal.SIGKILL)
    for node in cluster.nodes:
        if node.pid in by_pid:
            by_pid[node.pid].wait()
    while any(is_our_daemon(cluster, n) for n in alive):
        time.sleep(0.1)


def stop(args):
    cluster = Cluster.load(Path(args.dir).resolve())
    started = time.monotonic()
    stop_nodes(cluster)
    print(f"stopped {len(cluster.nodes)} nodes in {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------------------------------------
# Status / nodetool passthrough

def status(args):
    cluster = Cluster.load(Path(args.dir).resolve())
    for node in cluster.nodes:
        state = "running" if is_our_daemon(cluster, node) else "not running"
        print(f"node{node.index} {node.address} {node.dc}/{node.rack} pid {node.pid} {state} "
              f"jmx 127.0.0.1:{node.jmx_port} jolokia {node.jolokia_url}")
    if is_our_daemon(cluster, cluster.nodes[0]):
        print(run_nodetool(cluster, ["status"], check=False).stdout, end="")


def start_node_command(args):
    start_node(Cluster.load(Path(args.dir).resolve()), args.address)


def stop_node_command(args):
    stop_node(Cluster.load(Path(args.dir).resolve()), args.address)


def nodetool(args):
    cluster = Cluster.load(Path(args.dir).resolve())
    command = nodetool_command(cluster, cluster.nodes[args.node - 1], args.args)
    if args.print:   # for benchmarks, which must time the JVM alone
        print(shlex.join(command))
        return
    os.execvpe(command[0], command, nodetool_env())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("start", help="write configs, start the nodes, wait for Up/Normal")
    p.add_argument("--dir", required=True, help="run directory (created; must not hold a cluster)")
    p.add_argument("--nodes-layout", default="3",
                   help="node count, or DC:RACK per node in start order "
                        "(default 3 = three nodes in dc1/rack1)")
    p.add_argument("--num-tokens", type=int, default=8, help="vnodes per node (default 8)")
    p.add_argument("--token-seed", type=int, default=1, help="seed of the random tokens")
    p.add_argument("--heap", default="512m", help="-Xms/-Xmx per node (default 512m)")
    p.add_argument("--home", help="cassandra jar cache (default: what resolve.sh prints)")
    p.add_argument("--node-timeout", type=float, default=120,
                   help="seconds one node may take to open CQL (default 120)")
    p.set_defaults(func=start)

    p = sub.add_parser("stop", help="SIGTERM the nodes, SIGKILL after a grace period")
    p.add_argument("--dir", required=True)
    p.set_defaults(func=stop)

    p = sub.add_parser("start-node", help="start one node of the cluster again, empty, to "
                       "bootstrap into the running ring (idempotent)")
    p.add_argument("--dir", required=True)
    p.add_argument("address", help="the node's address, 127.0.0.N")
    p.set_defaults(func=start_node_command)

    p = sub.add_parser("stop-node", help="stop one node (idempotent)")
    p.add_argument("--dir", required=True)
    p.add_argument("address", help="the node's address, 127.0.0.N")
    p.set_defaults(func=stop_node_command)

    p = sub.add_parser("status", help="show pids and nodetool status")
    p.add_argument("--dir", required=True)
    p.set_defaults(func=status)

    p = sub.add_parser("nodetool", help="run nodetool against one node: nodetool --dir D -- ARGS")
    p.add_argument("--dir", required=True)
    p.add_argument("--node", type=int, default=1)
    p.add_argument("--print", action="store_true", help="print the command line, don't run it")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=nodetool)

    args = parser.parse_args()
    # Turn SIGTERM (e.g. from a CI timeout) into SystemExit so `start` still cleans up.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if getattr(args, "args", None) and args.args[0] == "--":
        args.args = args.args[1:]
    try:
        args.func(args)
    except ClusterError as error:
        sys.exit(f"cassandra_cluster.py {args.command}: {error}")


if __name__ == "__main__":
    main()
