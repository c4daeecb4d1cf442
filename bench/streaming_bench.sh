#!/usr/bin/env bash
# Streaming on loopback (issue 4, Benchmark): 3 ringnode processes, keyspace RF 3, loaded with
# 4 KiB rows; then cleanup, a 4th node bootstraps (MB/s against a file copy of the same bytes on
# the same disk, bytes streamed against the plan and the seeds' formula), the 4th node is
# decommissioned under a throughput limit (achieved rate against the limit), and an unchanged
# dataset is repaired three times (must stream nothing; the median timed against the median of
# three RocksDB scans of the same keys).
# The bootstrap's fixed waits (announce, schema, in-flight writes) print apart from its
# streaming phase, which the node times itself. Prints a table and a JSON summary.
#
#   bench/streaming_bench.sh [--mb N] [--repair-mb N] [--limit-mib N] [--threads T] [--smoke]
#
#   --mb N          data loaded before the join, in MiB, replicated (default 300: 100 MiB of rows x RF 3)
#   --repair-mb N   the repaired keyspace's data, in MiB, unreplicated: what each of the 3 nodes
#                   holds (default 1024)
#   --limit-mib N   stream throughput limit for the decommission (default 5)
#   --smoke         --mb 30 --repair-mb 2 --limit-mib 1: under a minute (ctest, label bench).
#                   Not smaller: the plan estimates bytes from load x range width, so the rows
#                   the new node gains differ from it by the binomial spread, sqrt(R * 3/16) of
#                   R rows: 1.1% of the streamed bytes at 2,560 rows, but 2.5% at 512 (where
#                   the 5% check would fail about one run in 20)
#
# $RINGNODE (or --ringnode PATH) chooses the binary (default build/labnode/ringnode). Nodes run
# on 127.0.0.121-124 with free ports, data in a temporary directory; everything is stopped and
# removed on exit. Exits 1 when bytes streamed differ from planned_bytes by more than 5%, when
# repair of the unchanged data streams anything, or when an operation fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ringnode=${RINGNODE:-$root/build/labnode/ringnode}
py=/usr/bin/python3
client=$root/bench/streaming_client.py
mb=300
repair_mb=1024
limit_mib=5
threads=8
mode=full
while [ $# -gt 0 ]; do
  case $1 in
    --mb) mb=$2; shift 2 ;;
    --repair-mb) repair_mb=$2; shift 2 ;;
    --limit-mib) limit_mib=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --ringnode) ringnode=$2; shift 2 ;;
    --smoke) mode=smoke; mb=30; repair_mb=2; limit_mib=1; shift ;;
    *) echo "usage: $0 [--mb N] [--repair-mb N] [--limit-mib N] [--threads T] [--ringnode PATH] [--smoke]" >&2
       exit 1 ;;
  esac
done
[ -x "$ringnode" ] || { echo "streaming_bench: no ringnode binary at $ringnode (ninja ringnode)" >&2; exit 1; }

rf=3
value_bytes=4096
rows=$((mb * 1048576 / (rf * value_bytes)))
repair_rows=$((repair_mb * 1048576 / value_bytes))
addresses=(127.0.0.121 127.0.0.122 127.0.0.123 127.0.0.124)
dir=$(mktemp -d -t ringctl-streaming-bench.XXXXXX)
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r storage_port native_port < <("$py" "$client" ports "${addresses[@]}")
[ -n "${native_port:-}" ] || { echo "streaming_bench: no free ports on ${addresses[*]}" >&2; exit 1; }
node() { echo "${addresses[$1]}:$native_port"; }
api() { "$py" "$client" "$@"; }
say() { echo "[$(date +%T)] $*" >&2; }

# Node i (0-based): node 0 is the seed; `bootstrap` is auto_bootstrap.
start_node() {
  local i=$1 bootstrap=$2 home=$dir/node$(($1 + 1))
  mkdir -p "$home/data"
  cat >"$home/ringnode.yaml" <<EOF
cluster_name: streaming-bench
listen_address: ${addresses[$i]}
storage_port: $storage_port
native_port: $native_port
seeds: [${addresses[0]}]
num_tokens: 16
allocation_rf: $rf
data_directory: $home/data
auto_bootstrap: $bootstrap
EOF
  "$ringnode" --config "$home/ringnode.yaml" >"$home/ringnode.log" 2>&1 &
  pids+=($!)
  api wait-health "$(node "$i")" 60 || { tail -20 "$home/ringnode.log" >&2; exit 1; }
}

say "$mode run: ringnode $ringnode, ports $storage_port/$native_port, data in $dir"
for i in 0 1 2; do
  start_node "$i" false
  api wait-ring "$(node 0)" $((i + 1))
done
api create-keyspace "$(node 0)" stream "$rf"
say "loading $rows rows of $value_bytes bytes into keyspace stream (RF $rf, $mb MiB replicated)"
load=$(api load --nodes "$(node 0),$(node 1),$(node 2)" --keyspace stream --prefix row --rows "$rows" \
  --value-bytes "$value_bytes" --threads "$threads" --cl ALL)
say "loaded: $load"

cleanup_freed=0
for i in 0 1 2; do
  freed=$(api operation "$(node "$i")" cleanup '{}' | "$py" -c 'import json,sys; print(json.load(sys.stdin)["job"]["result"]["bytes_freed"])')
  cleanup_freed=$((cleanup_freed + freed))
done
loads=$(api loads "$(node 0)" "$(node 0)" "$(node 1)" "$(node 2)")
say "cleanup freed $cleanup_freed bytes; loads before the join: $loads"

say "starting node 4 (auto_bootstrap true)"
start_node 3 true
bootstrap=$(api bootstrap-job "$(node 3)")
streamed=$(echo "$bootstrap" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["job"]["result"].get("bytes_streamed", 0))')
say "bootstrap ended: $streamed bytes streamed"

# The same number of bytes copied on the same disk: written and synced first, then cp + fsync.
head -c "$streamed" /dev/urandom >"$dir/copy.src"
sync "$dir/copy.src"
t0=$(date +%s.%N)
cp "$dir/copy.src" "$dir/copy.dst"
t1=$(date +%s.%N)
sync "$dir/copy.dst"
t2=$(date +%s.%N)
copy=$("$py" -c 'import sys; b,t0,t1,t2=sys.argv[1:]; print(f"{{\"bytes\": {b}, \"seconds_cp\": {float(t1)-float(t0)}, \"seconds_with_fsync\": {float(t2)-float(t0)}}}")' \
  "$streamed" "$t0" "$t1" "$t2")
rm -f "$dir/copy.src" "$dir/copy.dst"
say "file copy: $copy"

api wait-ring "$(node 0)" 4
say "decommissioning node 4 at $limit_mib MiB/s"
api put "$(node 3)" /v1/streams/throughput "{\"mib_per_second\": $limit_mib}" >/dev/null
limited=$(api operation "$(node 3)" decommission '{"force": false}')

api create-keyspace "$(node 0)" repaired "$rf"
load_without=$(api node-load "$(node 0)")
say "loading $repair_rows rows into keyspace repaired ($repair_mb MiB per node)"
repair_load=$(api load --nodes "$(node 0),$(node 1),$(node 2)" --keyspace repaired --prefix rep --rows "$repair_rows" \
  --value-bytes "$value_bytes" --threads "$threads" --cl ALL)
say "loaded: $repair_load"
repair_data=$(($(api node-load "$(node 0)") - load_without))
# Three rounds of a repair then a scan, each side reported by its median: a repair of unchanged
# data takes a tenth of a second or so, where one round's page-cache state or a neighbour's
# burst of work swings either side by 3x. The scan is the floor of any repair: one RocksDB scan
# of the same keys on one replica.
repairs=()
scans=()
for round in 1 2 3; do
  say "repairing keyspace repaired on node 1 (round $round of 3)"
  repairs+=("$(api operation "$(node 0)" repair '{"keyspace": "repaired"}')")
  scans+=("$(api scan "${addresses[0]}:$storage_port" repaired)")
  say "scan of keyspace repaired on node 1: ${scans[-1]}"
done
repair=$(IFS=,; echo "[${repairs[*]}]")
scan=$(IFS=,; echo "[${scans[*]}]")

cat >"$dir/results.json" <<EOF
{"mode": "$mode", "rf": $rf, "nodes_before": 3, "limit_mib": $limit_mib,
 "load": $load, "repair_load": $repair_load, "repair_data_bytes": $repair_data,
 "cleanup_bytes_freed": $cleanup_freed, "loads_before": $loads,
 "bootstrap": $bootstrap, "copy": $copy, "limited": $limited, "repairs": $repair, "scans": $scan}
EOF
api report "$dir/results.json"
