#!/usr/bin/python3
"""What the scale playbooks' `command` launcher runs on the tier's cluster: the operator's
own start and stop commands (an Ansible play, systemctl), here for cassandra_cluster.py nodes.

    scale_node.py start --dir RUN_DIR --config CLUSTERS_YAML ADDRESS
    scale_node.py stop  --dir RUN_DIR --config CLUSTERS_YAML ADDRESS

start: the node at ADDRESS starts empty and bootstraps into the ring
(cassandra_cluster.start_node), and its agent (ringd on ADDRESS:7070, which keeps running
beside the node's Jolokia port across the node's lives) is added to the ringctl cluster
config, as an operator's inventory gains the host. stop: the agent leaves the config, then
the node stops. Both are idempotent, as the launcher contract asks (cli/playbook/launcher.h).
Exit status 1 with the reason on stderr when the node cannot be started or stopped.
"""

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import agents_check       # noqa: E402
import cassandra_cluster  # noqa: E402

AGENTS_LINE = re.compile(r"^(\s*agents: )(\[.*\])\s*$", re.MULTILINE)


def config_agents(path):
    """The agents of the one cluster in a config agents_check.write_config wrote."""
    match = AGENTS_LINE.search(Path(path).read_text())
    if not match:
        raise cassandra_cluster.ClusterError(f"{path}: no 'agents: [...]' line")
    return json.loads(match.group(2))   # a YAML flow list of double-quoted strings is JSON


def set_config_agents(path, agents):
    text = Path(path).read_text()
    Path(path).write_text(AGENTS_LINE.sub(lambda m: m.group(1) + json.dumps(agents), text, count=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", required=True, help="the cluster's run dir")
    parser.add_argument("--config", required=True, help="the ringctl cluster config to keep current")
    parser.add_argument("address", help="the node's address, 127.0.0.N")
    args = parser.parse_args()
    agent = f"{args.address}:{agents_check.AGENT_PORT}"
    try:
        cluster = cassandra_cluster.Cluster.load(Path(args.dir).resolve())
        agents = config_agents(args.config)
        if args.action == "start":
            cassandra_cluster.start_node(cluster, args.address)
            if agent not in agents:
                set_config_agents(args.config, agents + [agent])
        else:
            if agent in agents:
                set_config_agents(args.config, [a for a in agents if a != agent])
            cassandra_cluster.stop_node(cluster, args.address)
    except (cassandra_cluster.ClusterError, OSError, ValueError) as error:
        sys.exit(f"scale_node.py {args.action} {args.address}: {error}")


if __name__ == "__main__":
    main()
