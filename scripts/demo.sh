#!/usr/bin/env bash
# The main job: builds ringctl, ringd and ringnode, shows the ring core on a generated snapshot of
# 1,000 nodes x 256 vnodes in 3 datacenters, then runs a live lab cluster of 3 ringnode
# processes doing real work: writes through every coordinator, a scale-up to 4 and a scale-down
# back to 3 by playbook, a node killed and brought back, and every acknowledged write read back.
# The lab is taken down at the end; the snapshot, the lab's logs and the playbook runs' journals
# and reports stay in $DEMO_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" build
# Only what the demo runs: no tests or benches, so nothing here needs test data.
BUILD_TARGETS="ringctl ringnode ringd" BUILD_DIR=$root/build "$root/scripts/build.sh" \
  -DRINGCTL_TESTS=OFF -DRINGCTL_BENCH=OFF >/dev/null
ringctl=$root/build/cli/ringctl
demo_dir=${DEMO_DIR:-$(mktemp -d -t ringctl-demo.XXXXXX)}
mkdir -p "$demo_dir"
ring=$demo_dir/ring.json

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "$*"; "$@"; }
# Shows the first N lines of a command's output; head closing the pipe early is expected.
first_lines() { local n=$1; shift; step "$* | head -$n"; { "$@" || true; } | head -"$n"; }

python3 "$root/bench/make_ring.py" -o "$ring"
echo "A 1,000-node, 256-vnode, 3-DC ring snapshot: $ring"

first_lines 12 "$ringctl" status --ring "$ring" nts
step "time ringctl status --ring ring.json nts -o json > status.json"
time "$ringctl" status --ring "$ring" nts -o json >"$demo_dir/status.json"
python3 - "$demo_dir/status.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for dc in doc["datacenters"]:
    owns = [n["owns_pct"] for n in dc["nodes"]]
    print(f'{dc["name"]}: {len(owns)} nodes, effective ownership {min(owns):.2f}%..{max(owns):.2f}%, '
          f'sum {sum(owns):.1f}%')
print("(rf 3 per DC: 300% less what Cassandra's six-decimal rounding of 256,000 range shares drops)")
PY
run "$ringctl" token "user:42" "user:43" "Book Store"
run "$ringctl" getendpoints --ring "$ring" nts "user:42"
first_lines 3 "$ringctl" describering --ring "$ring" nts
first_lines 8 "$ringctl" ring --ring "$ring" simple3

echo
echo "== A live lab cluster: 3 ringnode processes on 127.0.0.1-3, datacenter dc1"
lab_dir=$demo_dir/lab
trap '"$ringctl" lab --dir "$lab_dir" down >/dev/null 2>&1 || true' EXIT
lab() { step "ringctl lab $*"; "$ringctl" lab --dir "$lab_dir" "$@"; }
# The lab registers itself as the default cluster here, not in the user's own config.
export RINGCTL_CONFIG=$demo_dir/clusters.yaml
# Playbook runs journal here, not in the user's own state directory.
export RINGCTL_RUNS_DIR=$demo_dir/runs
lab up --nodes 3
lab stress --rows 20000 --threads 8
run "$ringctl" status stress
run "$ringctl" -h 127.0.0.2 info
echo "== Before scaling: the health checks, and what adding a node to dc1 would move"
run "$ringctl" health
run "$ringctl" plan add --dc dc1 --count 1
echo "== Scale up with the scale-up playbook: pre-flight, node4 joins dc1 with progress under the"
echo "   seeds' alert thresholds, repair -pr on it, cleanup on the nodes that gave ranges, after-checks"
# The lab's nodes share this machine's disk, so the pre-flight's disk limit is the machine's.
run "$ringctl" playbook run scale-up --var dc=dc1 --var lab_dir="$lab_dir" --var disk_max=0.9 --yes
run "$ringctl" -h 127.0.0.4 netstats
run "$ringctl" status stress
echo "== A crash: writes go on at QUORUM while node3 is down; coordinators keep hints for it"
lab kill node3
lab stress --rows 5000 --keyspace while_down
lab start node3
run "$ringctl" -h 127.0.0.1 repair while_down --wait
lab verify
lab verify --keyspace while_down
echo "== Scale down with the scale-down playbook: node4 leaves again, its host id confirmed"
host_id=$("$ringctl" -h 127.0.0.4 info -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["host_id"])')
run "$ringctl" playbook run scale-down --var node=127.0.0.4 --var host_id="$host_id" --var lab_dir="$lab_dir" --yes
run "$ringctl" playbook runs
lab list
step "ringctl -h 127.0.0.3 decommission (refused: dc1 would keep fewer nodes than the rf 3 of stress)"
"$ringctl" -h 127.0.0.3 decommission || echo "(exit $?: refused, nothing changed)"
lab verify
lab down
echo
echo "Done. The lab's files are in $lab_dir; each playbook run's journal and report.md are under"
echo "${RINGCTL_RUNS_DIR}. Try: $ringctl --help, $ringctl playbook list, $ringctl lab up"
