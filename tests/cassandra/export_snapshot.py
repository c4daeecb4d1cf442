#!/usr/bin/python3
"""Write a ring snapshot JSON of a live cluster, in the format of tests/vectors/rings/*.json.

    export_snapshot.py --out ring.json [--contact 127.0.0.1] [--run-dir RUN_DIR]

Tokens, DCs, racks, host ids, keyspaces and the schema version come from the DataStax Python
driver (cluster metadata plus system tables on the contact node). With --run-dir (a directory
made by cassandra_cluster.py) the per-node Jolokia agents add what the driver cannot know:
Up/Down and Normal/Joining/Leaving/Moving as the contact node's gossip sees them (what
nodetool prints), and each node's own load metric. Without it every node the driver has not
seen down is "up"/"normal" and load_bytes is 0.

Needs /usr/bin/python3 (the Debian python3-cassandra package).
"""

import argparse
import ipaddress
import json
import sys
from pathlib import Path

from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cassandra_cluster  # noqa: E402  (same directory; stdlib only)

STRATEGY_PACKAGE = "org.apache.cassandra.locator."
LOAD_MBEAN = "org.apache.cassandra.metrics:type=Storage,name=Load"


def replication_map(replication):
    """system_schema.keyspaces.replication -> the map CQL's DESCRIBE shows, numbers as ints."""
    result = {}
    for key, value in replication.items():
        if key == "class" and value.startswith(STRATEGY_PACKAGE):
            value = value[len(STRATEGY_PACKAGE):]
        elif value.isdigit():
            value = int(value)
        result[key] = value
    return result


def read_keyspaces(session):
    """All replicated keyspaces, system_auth/_distributed/_traces included; LocalStrategy ones
    (system, system_schema) have no ring and are left out, as virtual keyspaces are."""
    keyspaces = []
    for row in session.execute("SELECT keyspace_name, replication FROM system_schema.keyspaces"):
        replication = replication_map(dict(row.replication))
        if replication["class"] == "LocalStrategy":
            continue
        keyspaces.append({"name": row.keyspace_name, "replication": replication})
    return sorted(keyspaces, key=lambda k: k["name"])


def tokens_by_address(metadata):
    owners = {}
    for token, host in metadata.token_map.token_to_host_owner.items():
        owners.setdefault(host_address(host), []).append(token.value)
    return {address: [str(t) for t in sorted(tokens)] for address, tokens in owners.items()}


def host_address(host):
    # The address gossip and nodetool use; the driver's `address` is the native (rpc) one.
    return str(host.broadcast_address or host.address)


class GossipView:
    """Status, state and load per address, from Jolokia (the MBeans nodetool status reads)."""

    def __init__(self, cluster, contact):
        by_address = {n.address: n for n in cluster.nodes}
        if contact not in by_address:
            raise SystemExit(f"contact {contact} is not a node of {cluster.run_dir}")
        view = cassandra_cluster.ring_view(by_address[contact])
        self.live = set(view["LiveNodes"])
        self.joining = set(view["JoiningNodes"])
        self.leaving = set(view["LeavingNodes"])
        self.moving = set(view["MovingNodes"])
        self.nodes = by_address

    def status(self, address):
        return "up" if address in self.live else "down"

    def state(self, address):
        # Same precedence as nodetool's state letter: J, then L, then M.
        for state, members in (("joining", self.joining), ("leaving", self.leaving),
                               ("moving", self.moving)):
            if address in members:
                return state
        return "normal"

    def load_bytes(self, address):
        node = self.nodes.get(address)
        if node is None or address not in self.live:
            return 0
        return int(cassandra_cluster.jolokia_read(node, LOAD_MBEAN, "Count"))


def node_entry(host, tokens, gossip):
    address = host_address(host)
    if gossip:
        status, state, load = gossip.status(address), gossip.state(address), gossip.load_bytes(address)
    else:
        status, state, load = ("down" if host.is_up is False else "up"), "normal", 0
    return {
        "address": address,
        "host_id": str(host.host_id),
        "dc": host.datacenter,
        "rack": host.rack,
        "status": status,
        "state": state,
        "load_bytes": load,
        "tokens": tokens.get(address, []),
    }


def export(contact="127.0.0.1", run_dir=None):
    gossip = None
    if run_dir:
        gossip = GossipView(cassandra_cluster.Cluster.load(Path(run_dir).resolve()), contact)
    # Only the contact node is queried, so schema_version is the one nodetool -h contact prints.
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([contact]))
    cluster = Cluster([contact], execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                      protocol_version=5)
    try:
        session = cluster.connect()
        metadata = cluster.metadata
        schema_version = session.execute("SELECT schema_version FROM system.local").one()[0]
        tokens = tokens_by_address(metadata)
        hosts = sorted(metadata.all_hosts(), key=lambda h: ipaddress.ip_address(host_address(h)))
        return {
            "cluster": metadata.cluster_name,
            "partitioner": metadata.partitioner,
            "schema_version": str(schema_version),
            "nodes": [node_entry(h, tokens, gossip) for h in hosts],
            "keyspaces": read_keyspaces(session),
        }
    finally:
        cluster.shutdown()


def write_snapshot(snapshot, path):
    Path(path).write_text(json.dumps(snapshot, indent=1, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="snapshot file to write")
    parser.add_argument("--contact", default="127.0.0.1", help="node to ask (default 127.0.0.1)")
    parser.add_argument("--run-dir", help="cassandra_cluster.py run dir, for Jolokia status/load")
    args = parser.parse_args()
    snapshot = export(args.contact, args.run_dir)
    write_snapshot(snapshot, args.out)
    print(f"wrote {args.out}: {len(snapshot['nodes'])} nodes, "
          f"{sum(len(n['tokens']) for n in snapshot['nodes'])} tokens, "
          f"{len(snapshot['keyspaces'])} keyspaces")


if __name__ == "__main__":
    main()
