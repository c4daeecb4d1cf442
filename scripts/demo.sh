#!/usr/bin/env bash
# The main job: builds ringctl and shows the ring core at work on a generated cluster of
# 1,000 nodes x 256 vnodes in 3 datacenters (a snapshot file; live lab clusters come with
# ringnode). Output goes to the terminal; the snapshot is left in $DEMO_DIR for exploring.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" build
BUILD_DIR=$root/build "$root/scripts/build.sh" >/dev/null
ringctl=$root/build/cli/ringctl
demo_dir=${DEMO_DIR:-$(mktemp -d -t ringctl-demo.XXXXXX)}
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
echo "Done. Try: $ringctl --help"
