#!/usr/bin/env bash
# Hint replay: how fast a replica that was down gets back the writes it missed. A 3-node lab at
# RF 3 takes `lab stress` at QUORUM with node3 SIGKILLed (each row hinted once, on its
# coordinator), then node3 is started and the hints node1 and node2 hold are polled every 50 ms
# until none is pending. Reported: hints per second from the first delivered to the last, next
# to the rate at which the same cluster acknowledged those writes in the same run (the peer a
# replay should keep up with: a replica back after a long outage must not stay behind for
# longer than it was away), and `lab verify --cl ONE` after the replay (every row on all three
# replicas, or the run fails, exit 1: the number would be meaningless).
#
#   bench/hint_replay_bench.sh [--rows N] [--ip-prefix P] [--json]
#   (defaults: 20,000 rows, the lab on 127.1.60.1-3)
#
# $RINGCTL chooses ringctl (default: under build/); the lab's ringnode and ringd are found beside
# it (or $RINGCTL_RINGNODE, $RINGCTL_RINGD), so the replay of another build is measured by
# pointing $RINGCTL_RINGNODE at its ringnode. Uses its own lab directory, cluster config and ports
# (storage 27220, native 29262, agents 29290), and takes the lab down at the end, also on
# failure. Run it under the integration lock: flock /tmp/ringctl-integration.lock bench/hint_replay_bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ringctl=${RINGCTL:-$root/build/cli/ringctl}
rows=20000
format=text
ip_prefix=127.1.60
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --ip-prefix) ip_prefix=$2; shift 2 ;;
    --json) format=json; shift ;;
    *) echo "usage: $0 [--rows N] [--ip-prefix P] [--json]" >&2; exit 1 ;;
  esac
done
[ -x "$ringctl" ] || { echo "hint_replay_bench.sh: $ringctl is missing; build it first" >&2; exit 2; }

# A temporary lab directory and cluster config, taken down at exit (scratch_lab.sh).
source "$root/bench/scratch_lab.sh" ringctl-hint-replay-bench
dir=$work/lab
native_port=29262
lab() { "$ringctl" -o json lab --dir "$dir" "$@"; }

lab up --nodes 3 --ip-prefix "$ip_prefix" --storage-port 27220 --native-port "$native_port" --agent-port 29290 >/dev/null
lab kill node3 >/dev/null
lab stress --rows "$rows" --threads 8 --cl QUORUM >"$work/stress.json"

# Starts node3 and follows the hints node1 and node2 hold; prints the JSON of the replay.
python3 - "$ringctl" "$dir" "$ip_prefix" "$native_port" >"$work/replay.json" <<'PY'
import json, subprocess, sys, time, urllib.request
ringctl, lab_dir, prefix, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
holders = [f"{prefix}.1", f"{prefix}.2"]
def hints():
    pending = delivered = 0
    for address in holders:
        with urllib.request.urlopen(f"http://{address}:{port}/v1/node", timeout=5) as reply:
            counts = json.load(reply)["hints"]
        pending += counts["pending"]
        delivered += counts["delivered"]
    return pending, delivered
held, delivered_before = hints()
started = time.monotonic()
start = subprocess.Popen([ringctl, "lab", "--dir", lab_dir, "start", "node3"], stdout=subprocess.DEVNULL)
first = None
while True:
    pending, delivered = hints()
    now = time.monotonic() - started
    if first is None and delivered > delivered_before:
        first = now
    if pending == 0:
        break
    if now > 600:
        sys.exit(f"hints still pending after 600 s: {pending} of {held}")
    time.sleep(0.05)
if start.wait() != 0:
    sys.exit("lab start node3 failed")
print(json.dumps({"hints": held, "delivered": delivered - delivered_before, "first_delivered_s": first,
                  "all_delivered_s": now}))
PY
lab verify --cl ONE --threads 8 >"$work/verify.json" || true

python3 - "$work/stress.json" "$work/replay.json" "$work/verify.json" "$format" "$(nproc)" <<'PY'
import json, sys
stress, replay, verify = (json.load(open(p)) for p in sys.argv[1:4])
fmt, cores = sys.argv[4], sys.argv[5]
replay_s = max(replay["all_delivered_s"] - (replay["first_delivered_s"] or 0), 0.05)  # the poll's resolution
rate = replay["delivered"] / replay_s
ratio = rate / stress["rows_per_second"]
result = {"rows": stress["attempted"], "write_rows_per_second": stress["rows_per_second"],
          "hints": replay["hints"], "delivered": replay["delivered"], "replay_seconds": replay_s,
          "hints_per_second": rate, "ratio": ratio, "node_up_seconds": replay["first_delivered_s"],
          "under_replicated": verify["under_replicated"], "lost": verify["lost"],
          "load_average": open("/proc/loadavg").read().split()[:3]}
# A replay that leaves rows behind has no rate worth reporting: the run fails (exit 1).
failed = result["under_replicated"] > 0 or result["lost"] or replay["delivered"] != replay["hints"]
if fmt == "json":
    print(json.dumps(result))
    sys.exit(1 if failed else 0)
print(f"3-node lab on {cores} cores, RF 3, node3 down while {stress['attempted']} rows were written at QUORUM")
print(f"  writes            {stress['rows_per_second']:10.0f} rows/s acknowledged with node3 down")
print(f"  hints             {replay['hints']:10d} held on node1 and node2, {replay['delivered']} delivered")
print(f"  replay            {rate:10.0f} hints/s  ({replay_s:.2f} s from the first delivered to the last; "
      f"node3 started and seen up in {replay['first_delivered_s']:.1f} s)")
print(f"  replay / writes   {ratio:10.2f}")
print(f"  verify at ONE     {verify['checked']} checked, under-replicated {verify['under_replicated']}, "
      f"lost: {verify['lost']}")
sys.exit(1 if failed else 0)
PY
