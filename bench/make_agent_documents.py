#!/usr/bin/env python3
"""Generalises agent documents recorded off a lab to N agents of one consistent N-node cluster.

  make_agent_documents.py RECORDED_DIR OUT_DIR --agents N [--first 127.1.0.1]

RECORDED_DIR is what bench/record_agent_documents.sh writes: ADDRESS/v1/{cluster,node,jobs,
streams}.json for each agent of a lab, as it answered. OUT_DIR becomes what bench/recorded_agents
serves: one directory per new agent (N consecutive addresses from --first, all in 127.1.0.0/16)
with its own v1/node.json, v1/jobs.json and v1/streams.json, and every-agent/v1/cluster.json, the
view of the cluster every agent shares (all N nodes up and normal: a healthy cluster's views
agree).

How the recorded cluster grows to N nodes (deterministic, standard library only):
- node j takes the fields of recorded node j mod k (load, status, state, ports; its /v1/node,
  /v1/jobs and /v1/streams) and gets its own address, host id (uuid5 of the address), DC,
  rack and tokens. Its /v1/node says the same; the recorded node's address and host id are
  replaced everywhere in its documents, and none may remain.
- DCs: the recorded DC names in turn (node j in DC j mod D). Racks: each DC's nodes go round
  its recorded rack names, using the most racks (at most the recorded count) that divide the
  DC's node count evenly: NetworkTopologyStrategy gives each node of a smaller rack more
  ownership, which health rightly calls imbalance (10 nodes over 2 DCs and 3 racks would).
- Tokens: as many per node as recorded, evenly spaced over the ring and dealt to the nodes in
  turn (ring order runs node 0, 1, ..., N-1, 0, 1, ...), so every node owns the same share.
- Keyspaces, cluster name, format version and freshness: as recorded.
"""

import argparse
import ipaddress
import json
import pathlib
import sys
import uuid

ROUTES = ("cluster", "node", "jobs", "streams")
RING = 2**64
MIN_TOKEN = -(2**63)
BENCH_RANGE = ipaddress.ip_network("127.1.0.0/16")


def read_recorded(directory):
    """{address: {route: document}} for every recorded agent, in address order."""
    agents = {}
    for agent in sorted(directory.iterdir(), key=lambda p: ipaddress.ip_address(p.name)):
        agents[agent.name] = {route: json.loads((agent / "v1" / f"{route}.json").read_text()) for route in ROUTES}
    if not agents:
        sys.exit(f"{directory}: no recorded agent (ADDRESS/v1/*.json)")
    return agents


def racks_used(count, recorded_racks):
    """The most of the recorded racks that divide `count` nodes evenly."""
    return next(r for r in range(len(recorded_racks), 0, -1) if count % r == 0)


def placement(n, recorded_nodes):
    """(dc, rack) of each new node."""
    dcs = list(dict.fromkeys(node["dc"] for node in recorded_nodes))
    racks = {dc: list(dict.fromkeys(node["rack"] for node in recorded_nodes if node["dc"] == dc)) for dc in dcs}
    placed = []
    for j in range(n):
        dc = dcs[j % len(dcs)]
        in_dc = len(range(j % len(dcs), n, len(dcs)))
        used = racks_used(in_dc, racks[dc])
        placed.append((dc, racks[dc][(j // len(dcs)) % used]))
    return placed


def tokens(j, n, vnodes):
    """Node j's tokens: positions j, j + n, j + 2n, ... of n * vnodes evenly spaced ones (midpoints,
    so never the partitioner's minimum)."""
    total = n * vnodes
    return [str(MIN_TOKEN + ((2 * (v * n + j) + 1) * RING) // (2 * total)) for v in range(vnodes)]


def replaced(document, identities):
    """`document` with every recorded address and host id replaced by the new node's."""
    text = json.dumps(document)
    for old, new in identities:
        text = text.replace(json.dumps(old), json.dumps(new))
    return json.loads(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recorded", type=pathlib.Path)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--agents", type=int, required=True)
    parser.add_argument("--first", default="127.1.0.1")
    args = parser.parse_args()

    recorded = read_recorded(args.recorded)
    recorded_addresses = list(recorded)
    view = recorded[recorded_addresses[0]]["cluster"]
    by_address = {node["address"]: node for node in view["snapshot"]["nodes"]}
    if sorted(by_address) != sorted(recorded_addresses):
        sys.exit(f"{args.recorded}: the recorded view's nodes {sorted(by_address)} are not its agents")
    first = ipaddress.ip_address(args.first)
    addresses = [str(first + j) for j in range(args.agents)]
    if args.agents < 1 or any(ipaddress.ip_address(a) not in BENCH_RANGE for a in addresses):
        sys.exit(f"--agents {args.agents} from {args.first}: the addresses must lie in {BENCH_RANGE}")

    k = len(recorded_addresses)
    vnodes = len(by_address[recorded_addresses[0]]["tokens"])
    placed = placement(args.agents, [by_address[a] for a in recorded_addresses])
    nodes = []
    for j, address in enumerate(addresses):
        template_address = recorded_addresses[j % k]
        template = by_address[template_address]
        host_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ringctl-bench-agent:{address}"))
        dc, rack = placed[j]
        node_tokens = tokens(j, args.agents, vnodes)
        nodes.append(dict(template, address=address, host_id=host_id, dc=dc, rack=rack, tokens=node_tokens))

        identities = [(template_address, address), (template["host_id"], host_id)]
        agent_dir = args.out / address / "v1"
        agent_dir.mkdir(parents=True)
        for route in ("jobs", "streams"):
            (agent_dir / f"{route}.json").write_text(json.dumps(replaced(recorded[template_address][route], identities)))
        node = replaced(recorded[template_address]["node"], identities)
        facts = node["node"]
        facts.update(dc=dc, rack=rack, tokens=node_tokens, gossip_status=f"NORMAL,{node_tokens[0]}")
        text = json.dumps(node)
        for old in (template_address, template["host_id"]):
            if old in text:
                sys.exit(f"{template_address}'s /v1/node still names {old} after the rewrite for {address}")
        (agent_dir / "node.json").write_text(text)

    cluster = dict(view, snapshot=dict(view["snapshot"], nodes=nodes))
    shared = args.out / "every-agent" / "v1"
    shared.mkdir(parents=True)
    (shared / "cluster.json").write_text(json.dumps(cluster))
    print(f"{args.agents} agents {addresses[0]}..{addresses[-1]}: {vnodes} tokens each, "
          f"DCs {sorted({dc for dc, _ in placed})}, from {k} recorded agents", file=sys.stderr)


if __name__ == "__main__":
    main()
