#!/usr/bin/python3
"""The peer of ringcore_bench: the same work done by the DataStax Python driver.

Run with Debian's /usr/bin/python3, where python3-cassandra is installed. The driver's token
map is built offline, exactly as a connected driver builds it: Host objects with their dc and
rack, Metadata.rebuild_token_map() (Murmur3Token ring plus token->owner map), then
TokenMap.rebuild_keyspace(), i.e. the strategy's make_token_replica_map(). Effective ownership
is the sum, per host, of the share of each primary range it replicates; the driver has no
ownership function of its own, so that sum is written here, over the driver's replica map.

  driver_peer.py bench SNAPSHOT KEYSPACE [--lookups N] [--seconds S]
      Prints one JSON object of measurements (see README.md for each field).
  driver_peer.py status SNAPSHOT KEYSPACE
      As one whole process: reads the snapshot, builds the replica map, computes effective
      ownership and prints the document `ringctl status --ring SNAPSHOT KEYSPACE -o json` prints.
      SNAPSHOT may be http://HOST:PORT, a ringd agent: its /v1/cluster is fetched, as
      `ringctl -h HOST:PORT status KEYSPACE -o json` does.
  driver_peer.py lean SNAPSHOT KEYSPACE
      The lean peer of `ringctl status -o json` (issue 16's): as one whole process, reads the
      snapshot, builds the replica map and the ownership sums, and prints only a one-line
      summary of them (nodes, ring tokens, the sum of every node's share): none of `status`'s
      document.
"""

import argparse
import collections
import ipaddress
import itertools
import json
import random
import sys
import time
import urllib.request

import cassandra
import cassandra.metadata
import cassandra.murmur3
from cassandra.metadata import KeyspaceMetadata, Metadata
from cassandra.policies import SimpleConvictionPolicy
from cassandra.pool import Host

PARTITIONER = "org.apache.cassandra.dht.Murmur3Partitioner"
# Cassandra's ring size for ownership, Long.MAX_VALUE - (Long.MIN_VALUE + 1).
RING_SIZE = 2**64 - 2


class DriverRing:
    """A snapshot loaded into the driver's own structures."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.metadata = Metadata()
        self.hosts = []  # parallel to snapshot["nodes"]
        for node in snapshot["nodes"]:
            self.hosts.append(Host(node["address"], SimpleConvictionPolicy, datacenter=node["dc"],
                                   rack=node["rack"], host_id=node["host_id"]))
        for ks in snapshot.get("keyspaces", []):
            options = {k: str(v) for k, v in ks["replication"].items() if k != "class"}
            self.metadata.keyspaces[ks["name"]] = KeyspaceMetadata(ks["name"], True, ks["replication"]["class"], options)

    def build_token_map(self):
        """Metadata.rebuild_token_map: the sorted Murmur3Token ring and each token's owner.
        Joining nodes are left out, as the server leaves their tokens out of system.peers."""
        token_map = {}
        for host, node in zip(self.hosts, self.snapshot["nodes"]):
            if node["state"] != "joining":
                token_map[host] = [str(t) for t in node["tokens"]]
        self.metadata.rebuild_token_map(PARTITIONER, token_map)
        return self.metadata.token_map

    def build_replica_map(self, keyspace):
        """TokenMap.rebuild_keyspace: the strategy's make_token_replica_map over the ring."""
        token_map = self.metadata.token_map
        token_map.rebuild_keyspace(keyspace, build_if_absent=True)
        return token_map.tokens_to_hosts_by_ks[keyspace]

    def ownership(self, keyspace):
        """Per snapshot node, the fraction of the ring it holds a replica of (1.0 = 100%)."""
        ring = self.metadata.token_map.ring
        replica_map = self.metadata.token_map.tokens_to_hosts_by_ks[keyspace]
        # Keyed by id(): Host.__hash__ is Python code, and this loop is ours, not the driver's,
        # so it should not make the driver look slower than it is.
        # The strategies fill the map in ring order; walking its items in step with the ring
        # saves a Murmur3Token.__hash__ call per range (the lookup is the fallback).
        owns = collections.defaultdict(float)
        previous = ring[-1].value
        entries = itertools.chain(replica_map.items(), itertools.repeat((None, None)))
        for token, (key, hosts) in zip(ring, entries):
            if key is not token:
                hosts = replica_map[token]
            share = 1.0 if len(ring) == 1 else ((token.value - previous) % RING_SIZE) / RING_SIZE
            previous = token.value
            for host in hosts:
                owns[id(host)] += share
        return [owns[id(host)] for host in self.hosts]


def load_snapshot(path):
    if path.startswith("http://"):
        with urllib.request.urlopen(path + "/v1/cluster", timeout=10) as answer:
            return json.load(answer)["snapshot"]
    with open(path) as f:
        return json.load(f)


def murmur3_implementation():
    """Which murmur3 the driver hashes keys with: its C extension or the pure-Python fallback."""
    fn = cassandra.murmur3.murmur3
    if fn is getattr(cassandra.murmur3, "_murmur3", None):
        return "pure Python (cassandra.murmur3._murmur3)"
    return f"C extension ({getattr(fn, '__module__', None) or 'cassandra.cmurmur3'})"


def metadata_implementation():
    path = cassandra.metadata.__file__
    return "Cython-compiled" if path.endswith(".so") else "pure Python"


class Clock:
    """Wall time and this process's CPU time, read together."""

    def __init__(self):
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def elapsed(self):
        return {"wall_s": time.perf_counter() - self.wall, "cpu_s": time.process_time() - self.cpu}


def timed(fn, *args):
    clock = Clock()
    fn(*args)
    return clock.elapsed()


def fastest(times):
    """The smallest wall and the smallest CPU time of several runs, with the number of runs."""
    return {"wall_s": min(t["wall_s"] for t in times), "cpu_s": min(t["cpu_s"] for t in times), "runs": len(times)}


def best_of(fn, seconds, min_runs=1, max_runs=5):
    """fn() timed a few times, stopping once `seconds` have been spent."""
    times = []
    budget = Clock()
    while len(times) < max_runs:
        times.append(timed(fn))
        if len(times) >= min_runs and budget.elapsed()["wall_s"] >= seconds:
            break
    return fastest(times)


def murmur3_time(size, seconds, rng):
    """Time to hash 4,096 keys of `size` random bytes."""
    murmur3 = cassandra.murmur3.murmur3
    keys = [rng.randbytes(size) for _ in range(4096)]
    sink = collections.deque(maxlen=0)  # consumes map() in C: no Python loop around the call

    def run():
        sink.extend(map(murmur3, keys))

    return dict(best_of(run, seconds, min_runs=3, max_runs=200), bytes=size * len(keys))


def lookups_time(ring, keyspace, count, seconds, rng):
    """Metadata.get_replicas(keyspace, key): Murmur3Token.from_key, bisect, replica map lookup.
    `count` random 16-byte keys in batches of up to 10,000; the fastest batch is kept."""
    batch = min(count, 10000)
    batches = [[rng.randbytes(16) for _ in range(batch)] for _ in range(max(1, count // batch))]
    get_replicas = ring.metadata.get_replicas
    remaining = iter(batches * 1000)  # each call takes the next batch, wrapping around

    def run():
        for key in next(remaining):
            get_replicas(keyspace, key)

    return dict(best_of(run, seconds, min_runs=len(batches), max_runs=len(batches) * 1000), lookups=batch)


def ownership_times(ring, keyspace, seconds):
    """Token map, replica map and sums, each step timed, over as many full runs as fit in
    `seconds` (at least one, at most three): on a large ring one run takes seconds."""
    steps = {"token_map_build": [], "replica_map_build": [], "ownership_sums": [], "ownership": []}
    budget = Clock()
    while len(steps["ownership"]) < 3:
        total = Clock()
        steps["token_map_build"].append(timed(ring.build_token_map))
        steps["replica_map_build"].append(timed(ring.build_replica_map, keyspace))
        steps["ownership_sums"].append(timed(ring.ownership, keyspace))
        steps["ownership"].append(total.elapsed())
        if budget.elapsed()["wall_s"] >= seconds:
            break
    return {name: fastest(times) for name, times in steps.items()}


def bench(args):
    rng = random.Random(42)
    result = {
        "driver_version": cassandra.__version__,
        "python": sys.version.split()[0],
        "murmur3_impl": murmur3_implementation(),
        "metadata_impl": metadata_implementation(),
        "murmur3_16": murmur3_time(16, args.seconds, rng),
        "murmur3_1024": murmur3_time(1024, args.seconds, rng),
    }
    with open(args.snapshot) as f:
        text = f.read()
    result["parse"] = best_of(lambda: DriverRing(json.loads(text)), args.seconds)
    ring = DriverRing(json.loads(text))
    result.update(ownership_times(ring, args.keyspace, args.seconds))
    result["ring_tokens"] = len(ring.metadata.token_map.ring)
    result["getendpoints"] = lookups_time(ring, args.keyspace, args.lookups, args.seconds, rng)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


def address_key(address):
    """ringctl's order: IPv4 before IPv6, each numerically, then host names by text."""
    try:
        ip = ipaddress.ip_address(address)
        return (0 if ip.version == 4 else 1, ip.packed.rjust(16, b"\0"), address)
    except ValueError:
        return (2, b"", address)


def replica_map_and_ownership(args):
    """What both whole-process modes do: the snapshot, the driver's replica map of the keyspace
    and each node's ownership. Returns the snapshot, the ring and the shares."""
    snapshot = load_snapshot(args.snapshot)
    keyspace = next((ks for ks in snapshot.get("keyspaces", []) if ks["name"] == args.keyspace), None)
    if keyspace is None:
        sys.exit(f"keyspace '{args.keyspace}' does not exist")
    if keyspace["replication"]["class"].rsplit(".", 1)[-1] not in ("SimpleStrategy", "NetworkTopologyStrategy"):
        sys.exit("driver_peer.py: only SimpleStrategy and NetworkTopologyStrategy keyspaces are supported")
    ring = DriverRing(snapshot)
    ring.build_token_map()
    ring.build_replica_map(args.keyspace)
    return snapshot, ring, ring.ownership(args.keyspace)


def lean(args):
    snapshot, ring, owns = replica_map_and_ownership(args)
    print(json.dumps({"nodes": len(snapshot["nodes"]), "ring_tokens": len(ring.metadata.token_map.ring),
                      "owns_sum": sum(owns)}))


def status(args):
    snapshot, _, owns = replica_map_and_ownership(args)

    datacenters = collections.defaultdict(list)
    for node, share in zip(snapshot["nodes"], owns):
        in_ring = node["state"] != "joining"
        datacenters[node["dc"]].append({
            "address": node["address"],
            "host_id": node["host_id"],
            "dc": node["dc"],
            "rack": node["rack"],
            "status": node["status"],
            "state": node["state"],
            "load_bytes": node.get("load_bytes"),
            "tokens": len(node["tokens"]),
            "owns_pct": share * 100.0 if in_ring else None,
        })
    document = {
        "cluster": snapshot.get("cluster", ""),
        "keyspace": args.keyspace,
        "ownership": "effective",
        "note": None,
        "datacenters": [
            {"name": dc, "nodes": sorted(nodes, key=lambda n: address_key(n["address"]))}
            for dc, nodes in sorted(datacenters.items())
        ],
        "freshness": None,  # an offline snapshot: no agent was asked
    }
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("bench", help="measure the driver and print JSON")
    b.add_argument("snapshot")
    b.add_argument("keyspace")
    b.add_argument("--lookups", type=int, default=100000, help="distinct keys for get_replicas, timed in batches of 10,000")
    b.add_argument("--seconds", type=float, default=2.0, help="time budget per measurement")
    s = sub.add_parser("status", help="print the status document, as `ringctl status -o json`")
    s.add_argument("snapshot")
    s.add_argument("keyspace")
    lean_parser = sub.add_parser("lean", help="only the replica map and the ownership sums, a one-line summary")
    lean_parser.add_argument("snapshot")
    lean_parser.add_argument("keyspace")
    args = parser.parse_args()
    {"bench": bench, "status": status, "lean": lean}[args.mode](args)


if __name__ == "__main__":
    main()
