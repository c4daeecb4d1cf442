#!/usr/bin/python3
"""Makes the golden vectors in this folder from the DataStax Python driver, or checks them.

    make_vectors.py [--out DIR]   recompute murmur3.jsonl and ring_expect.jsonl into DIR
                                  (default: this folder)
    make_vectors.py --check       recompute them and compare with the committed files; exit 0
                                  when they agree, 1 naming the first difference, 77 when the
                                  driver (Debian python3-cassandra) is missing

What is input and what is computed (README.md describes the files):
- inputs: the ring snapshots rings/*.json, and the keys (key_hex, components_hex) listed in
  murmur3.jsonl and in each keyspace of ring_expect.jsonl;
- computed: every token (the driver's Murmur3Token.hash_fn), composite keys' bytes (the driver's
  routing-key packing), raw and effective ownership (what nodetool status shows as Owns: the
  sum of the sizes of the ranges a node holds over Cassandra's ring size 2^64 - 2, here exact
  and then rounded to 4 decimals of a percent), and each key's endpoints in the order
  Cassandra's server lists them.

Endpoints follow the server's replica walk, written out below; the driver's own replica map
(cassandra.metadata strategies and TokenMap) is the cross-check as a set. Where the driver
lists a host twice (its NetworkTopologyStrategy can queue a skipped host twice with vnodes and
then falls short of rf) the driver is not used for that range.

Tokens and endpoints must match exactly; ownership within the printed precision (4 decimals).
The vectors are never edited to match the code: a difference here is a finding to report.
"""
import argparse
import bisect
import json
import os
import sys
from collections import OrderedDict
from fractions import Fraction

SKIP = 77  # ctest's SKIP_RETURN_CODE for this test
try:
    from cassandra.metadata import Murmur3Token, ReplicationStrategy
    from cassandra.murmur3 import murmur3
    from cassandra.policies import SimpleConvictionPolicy
    from cassandra.pool import Host
    from cassandra.query import Statement
except ImportError as missing:
    print(f"make_vectors: the DataStax Python driver is missing ({missing}); "
          "apt-get install python3-cassandra", file=sys.stderr)
    sys.exit(SKIP)

HERE = os.path.dirname(os.path.abspath(__file__))
MIN_TOKEN = -(2 ** 63)
MAX_TOKEN = 2 ** 63 - 1
RING_SIZE = MAX_TOKEN - (MIN_TOKEN + 1)  # Long.MAX_VALUE - (Long.MIN_VALUE + 1), as Cassandra has it
PCT_PLACES = 4


class Difference(Exception):
    pass


# --- tokens -------------------------------------------------------------------------------

def token_of(key: bytes) -> int:
    """The Murmur3Partitioner token of a partition key, as the driver computes it."""
    if not key:
        return MIN_TOKEN  # the partitioner's MINIMUM; the driver never hashes an empty key
    token = Murmur3Token.hash_fn(key)
    assert token == Murmur3Token.from_key(key).value
    raw = murmur3(key)
    assert token == (MAX_TOKEN if raw == MIN_TOKEN else raw)
    return token


def composite_key(components: list) -> bytes:
    """A composite partition key's bytes, packed by the driver as a statement's routing key."""
    if len(components) < 2:
        raise Difference(f"a composite key needs two or more components, got {len(components)}")
    statement = Statement()
    statement.routing_key = components  # the property's setter packs a list of parts
    return statement.routing_key


def murmur3_line(line: dict) -> dict:
    out = {"key_hex": line["key_hex"]}
    if "components_hex" in line:
        components = [bytes.fromhex(c) for c in line["components_hex"]]
        out["components_hex"] = line["components_hex"]
        out["key_hex"] = composite_key(components).hex()
    out["token"] = str(token_of(bytes.fromhex(out["key_hex"])))
    return dict(sorted(out.items()))


# --- ring and ownership -------------------------------------------------------------------

class Ring:
    """The normal tokens of a snapshot, sorted, with each token's owner."""

    def __init__(self, snapshot: dict):
        self.nodes = [n for n in snapshot["nodes"] if n["state"] in ("normal", "leaving", "moving")]
        self.node_of = {n["address"]: n for n in self.nodes}
        owners = {}
        for node in self.nodes:
            for token in node["tokens"]:
                owners[int(token)] = node["address"]
        self.tokens = sorted(owners)
        self.owners = [owners[t] for t in self.tokens]

    def share(self, index: int) -> Fraction:
        """The range (previous token, tokens[index]] as an exact fraction of the ring."""
        if len(self.tokens) == 1:
            return Fraction(1)
        return Fraction((self.tokens[index] - self.tokens[index - 1]) % RING_SIZE, RING_SIZE)

    def index_for(self, token: int) -> int:
        """The ring token whose range holds `token`: the first one >= it, wrapping."""
        return bisect.bisect_left(self.tokens, token) % len(self.tokens)


def ownership_pct(ring: Ring, replicas_by_index) -> dict:
    """Per address: the exact sum of the shares of the ranges it holds, as a percentage rounded
    to PCT_PLACES. (nodetool rounds each share to 6 places first and sums floats: on a
    256-vnode ring that moves a figure by up to 0.001 points.)"""
    totals = OrderedDict((n["address"], Fraction(0)) for n in ring.nodes)
    for index in range(len(ring.tokens)):
        share = ring.share(index)
        for address in replicas_by_index(index):
            totals[address] += share
    return OrderedDict((a, round(float(total * 100), PCT_PLACES)) for a, total in totals.items())


# --- replica placement as Cassandra's server does it -------------------------------------

def simple_replicas(ring: Ring, start: int, rf: int) -> list:
    chosen = []
    for step in range(len(ring.tokens)):
        if len(chosen) == rf:
            break
        owner = ring.owners[(start + step) % len(ring.tokens)]
        if owner not in chosen:
            chosen.append(owner)
    return chosen


def nts_replicas(ring: Ring, start: int, rf_by_dc: dict) -> list:
    """One clockwise walk for every DC: a node in a rack its DC has not used yet is always
    taken; a node in a used rack only while rf - racks(dc) repeats remain; a DC is full at
    min(rf, its nodes)."""
    nodes_in = {}
    racks_in = {}
    for node in ring.nodes:
        nodes_in[node["dc"]] = nodes_in.get(node["dc"], 0) + 1
        racks_in.setdefault(node["dc"], set()).add(node["rack"])
    left = {dc: min(rf, nodes_in[dc]) for dc, rf in rf_by_dc.items() if rf > 0 and dc in nodes_in}
    repeats = {dc: rf_by_dc[dc] - len(racks_in[dc]) for dc in left}
    used_racks = set()
    chosen = []
    for step in range(len(ring.tokens)):
        if not any(left.values()):
            break
        address = ring.owners[(start + step) % len(ring.tokens)]
        node = ring.node_of[address]
        dc, rack = node["dc"], node["rack"]
        if address in chosen or left.get(dc, 0) == 0:
            continue
        if (dc, rack) not in used_racks:
            used_racks.add((dc, rack))
        elif repeats[dc] > 0:
            repeats[dc] -= 1
        else:
            continue
        chosen.append(address)
        left[dc] -= 1
    return chosen


def replication_of(keyspace: dict):
    options = dict(keyspace["replication"])
    strategy = options.pop("class").rsplit(".", 1)[-1]
    return strategy, options


def server_replicas(ring: Ring, keyspace: dict):
    strategy, options = replication_of(keyspace)
    if strategy == "SimpleStrategy":
        rf = int(options["replication_factor"])
        return lambda index: simple_replicas(ring, index, rf)
    if strategy == "NetworkTopologyStrategy":
        rf_by_dc = {dc: int(rf) for dc, rf in options.items()}
        return lambda index: nts_replicas(ring, index, rf_by_dc)
    raise Difference(f"keyspace {keyspace['name']}: no placement for {strategy}")


# --- the driver's replica map, the cross-check --------------------------------------------

class DriverMap:
    """The driver's token-to-replicas map for one keyspace of a snapshot."""

    def __init__(self, ring: Ring, keyspace: dict):
        hosts = {n["address"]: Host(n["address"], SimpleConvictionPolicy, n["dc"], n["rack"], n["host_id"])
                 for n in ring.nodes}
        self.ring = [Murmur3Token(t) for t in ring.tokens]
        owner = {token: hosts[a] for token, a in zip(self.ring, ring.owners)}
        strategy, options = replication_of(keyspace)
        self.replica_map = ReplicationStrategy.create(strategy, options).make_token_replica_map(owner, self.ring)

    def replicas(self, token: int) -> list:
        point = bisect.bisect_left(self.ring, Murmur3Token(token)) % len(self.ring)
        return [host.address for host in self.replica_map[self.ring[point]]]


def cross_check(where: str, server: list, driver: list):
    if len(set(driver)) != len(driver):
        return  # the driver's known NTS flaw: a host queued twice; not a witness for this range
    if set(server) != set(driver):
        raise Difference(f"{where}: server order walk gives {server}, the driver's map {driver}")


# --- ring_expect.jsonl --------------------------------------------------------------------

def ring_expect_line(line: dict, vectors_dir: str) -> dict:
    snapshot = json.load(open(os.path.join(vectors_dir, line["ring_file"])))
    ring = Ring(snapshot)
    keyspaces = OrderedDict()
    for keyspace in snapshot["keyspaces"]:
        name = keyspace["name"]
        placement = server_replicas(ring, keyspace)
        driver = DriverMap(ring, keyspace)
        for index, token in enumerate(ring.tokens):
            cross_check(f"{line['ring_file']} {name} range ending {token}", placement(index), driver.replicas(token))
        keys = []
        for key in line["keyspaces"].get(name, {}).get("keys", []):
            token = token_of(bytes.fromhex(key["key_hex"]))
            keys.append({"key_hex": key["key_hex"], "token": str(token),
                         "endpoints": placement(ring.index_for(token))})
        keyspaces[name] = {"effective_ownership_pct": ownership_pct(ring, placement), "keys": keys}
    raw = ownership_pct(ring, lambda index: [ring.owners[index]])
    return {"cluster": snapshot["cluster"], "keyspaces": keyspaces, "raw_ownership_pct": raw,
            "ring_file": line["ring_file"]}


# --- comparing ----------------------------------------------------------------------------

def compare(where: str, made, committed):
    """Exact for everything but ownership percentages, which may differ within half the last
    printed place (float summation order)."""
    if isinstance(committed, dict) and isinstance(made, dict):
        if list(made) != list(committed):
            raise Difference(f"{where}: fields {list(made)} made, {list(committed)} committed")
        for field in committed:
            compare(f"{where}.{field}", made[field], committed[field])
    elif isinstance(committed, list) and isinstance(made, list):
        if len(made) != len(committed):
            raise Difference(f"{where}: {len(made)} entries made, {len(committed)} committed: {made} vs {committed}")
        for i, (m, c) in enumerate(zip(made, committed)):
            compare(f"{where}[{i}]", m, c)
    elif isinstance(committed, float) or isinstance(made, float):
        if abs(made - committed) > 0.5 * 10 ** -PCT_PLACES + 1e-9:
            raise Difference(f"{where}: {made} made, {committed} committed")
    elif made != committed:
        raise Difference(f"{where}: {made!r} made, {committed!r} committed")


def read_jsonl(path: str) -> list:
    with open(path) as lines:
        return [json.loads(line, object_pairs_hook=OrderedDict) for line in lines if line.strip()]


def write_jsonl(path: str, lines: list):
    with open(path, "w") as out:
        for line in lines:
            out.write(json.dumps(line) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    parser.add_argument("--vectors", default=HERE, help="the folder holding the inputs (default: this folder)")
    parser.add_argument("--out", help="where to write the recomputed files (default: --vectors)")
    args = parser.parse_args()

    made = {}
    committed = {}
    for name, make_line in (("murmur3.jsonl", murmur3_line),
                            ("ring_expect.jsonl", lambda line: ring_expect_line(line, args.vectors))):
        committed[name] = read_jsonl(os.path.join(args.vectors, name))
        try:
            made[name] = [make_line(line) for line in committed[name]]
        except Difference as difference:
            print(f"make_vectors: {name}: {difference}", file=sys.stderr)
            return 1

    if not args.check:
        out = args.out or args.vectors
        for name, lines in made.items():
            write_jsonl(os.path.join(out, name), lines)
        print(f"make_vectors: wrote {', '.join(made)} to {out}")
        return 0

    for name in made:
        try:
            compare(name, made[name], committed[name])
        except Difference as difference:
            print(f"make_vectors: {name} differs from what the driver gives: {difference}", file=sys.stderr)
            return 1
        print(f"make_vectors: {name}: {len(made[name])} lines agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
