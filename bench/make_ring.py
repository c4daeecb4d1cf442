#!/usr/bin/env python3
"""Writes a synthetic ring snapshot (ringctl's snapshot JSON, docs: common/include/ringcore/snapshot.h).

Deterministic: the same arguments and seed give the same file, byte for byte. Standard library
only, so any python3 runs it. The default is the benchmark ring: 1,000 nodes x 256 vnodes in 3
datacenters (334/333/333 nodes, 3 racks each), random tokens, with two keyspaces:
  nts      NetworkTopologyStrategy {dc1: 3, dc2: 3, dc3: 3}
  simple3  SimpleStrategy, replication_factor 3

  make_ring.py -o ring.json
  make_ring.py --nodes 30 --vnodes 16 --dcs 3 --racks 3 --seed 7 -o small.json
  make_ring.py --keyspace 'ks=NetworkTopologyStrategy:dc1=3,dc2=2' --keyspace 'one=SimpleStrategy:1'
"""

import argparse
import json
import random
import sys
import uuid

MIN_TOKEN = -(2**63)
MAX_TOKEN = 2**63 - 1
GIB = 1024**3


def parse_keyspace(spec):
    """'name=Class:opts' -> (name, replication map). opts: 'rf' or 'dc1=3,dc2=3'."""
    try:
        name, rest = spec.split("=", 1)
        strategy, options = rest.split(":", 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"keyspace '{spec}' is not NAME=CLASS:OPTIONS")
    replication = {"class": strategy}
    if strategy == "SimpleStrategy":
        replication["replication_factor"] = options
    else:
        for pair in options.split(","):
            dc, _, rf = pair.partition("=")
            if not dc or not rf:
                raise argparse.ArgumentTypeError(f"keyspace '{spec}': '{pair}' is not DC=RF")
            replication[dc] = rf
    return {"name": name, "replication": replication}


def default_keyspaces(dcs):
    nts = {"class": "NetworkTopologyStrategy"}
    for dc in range(1, dcs + 1):
        nts[f"dc{dc}"] = "3"
    return [
        {"name": "nts", "replication": nts},
        {"name": "simple3", "replication": {"class": "SimpleStrategy", "replication_factor": "3"}},
    ]


def nodes_per_dc(nodes, dcs):
    """334/333/333 for 1,000 in 3: the first DCs take the remainder."""
    base, extra = divmod(nodes, dcs)
    return [base + (1 if dc < extra else 0) for dc in range(dcs)]


def address(dc, index):
    """10.D.x.y with y in 1..250, so up to 64,000 nodes per DC."""
    return f"10.{dc}.{index // 250}.{index % 250 + 1}"


def make_ring(args):
    rng = random.Random(args.seed)
    used = set()

    def new_token():
        while True:
            token = rng.randint(MIN_TOKEN + 1, MAX_TOKEN)
            if token not in used:
                used.add(token)
                return token

    nodes = []
    for dc, count in enumerate(nodes_per_dc(args.nodes, args.dcs), start=1):
        for index in range(count):
            tokens = sorted(new_token() for _ in range(args.vnodes))
            nodes.append({
                "address": address(dc, index),
                "host_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "dc": f"dc{dc}",
                "rack": f"rack{index % args.racks + 1}",
                "status": "up",
                "state": "normal",
                # 300-700 GiB per node, as a busy cluster's nodes differ.
                "load_bytes": rng.randint(300 * GIB, 700 * GIB),
                "tokens": [str(t) for t in tokens],
            })
    keyspaces = args.keyspace or default_keyspaces(args.dcs)
    return {
        "format_version": 1,
        "cluster": args.cluster,
        "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
        "nodes": nodes,
        "keyspaces": keyspaces,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--vnodes", type=int, default=256, help="tokens per node")
    parser.add_argument("--dcs", type=int, default=3)
    parser.add_argument("--racks", type=int, default=3, help="racks per datacenter")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cluster", default="bench")
    parser.add_argument("--keyspace", action="append", type=parse_keyspace,
                        help="NAME=CLASS:OPTIONS, repeatable (default: nts and simple3)")
    parser.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = parser.parse_args()
    if args.nodes < 1 or args.vnodes < 1 or args.dcs < 1 or args.racks < 1 or args.nodes < args.dcs:
        parser.error("--nodes, --vnodes, --dcs and --racks must be positive, with at least one node per DC")

    text = json.dumps(make_ring(args), indent=1) + "\n"
    if args.output:
        with open(args.output, "w") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
