#!/usr/bin/env bash
# ringctl beside the DataStax Python driver, measured in the same run. See bench/README.md.
#
#   bench/run.sh [--smoke|--quick] [--json] [--ringctl PATH] [--bench PATH] [--keep DIR]
#
#   --smoke         a 30-node x 16-vnode ring and short measurements (CI; under a minute)
#   --quick         the full ring, fewer repetitions (3 per benchmark, 5 ringctl and 1 driver
#                   whole-process runs): about half the time (bench/all.sh --quick)
#   --json          the results as one JSON object (report.py --json) instead of the table
#   --ringctl PATH  default $RINGCTL or build/cli/ringctl beside this checkout
#   --bench PATH    default $RINGCORE_BENCH or build/bench/ringcore_bench beside this checkout
#   --keep DIR      leave the ring and the raw results in DIR instead of a temporary directory
#
# Builds nothing: build ringctl and ringcore_bench first. The driver runs under $DRIVER_PYTHON
# (default /usr/bin/python3, where Debian's python3-cassandra is installed). Whole-process wall
# times come from hyperfine when it is installed (NO_HYPERFINE=1: a /usr/bin/time loop instead).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${RINGCTL_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}"
ringctl="${RINGCTL:-$build/cli/ringctl}"
bench="${RINGCORE_BENCH:-$build/bench/ringcore_bench}"
driver_python="${DRIVER_PYTHON:-/usr/bin/python3}"
keyspace=nts
smoke=0
quick=0
json=""
keep=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --quick) quick=1 ;;
    --json) json=--json ;;
    --ringctl) ringctl="$2"; shift ;;
    --bench) bench="$2"; shift ;;
    --keep) keep="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

for program in "$ringctl" "$bench"; do
  [[ -x "$program" ]] || { echo "run.sh: $program is missing; build it first (ninja -C $build ${program##*/})" >&2; exit 2; }
done
"$driver_python" -c 'import cassandra.metadata' 2>/dev/null ||
  { echo "run.sh: $driver_python cannot import the driver (apt-get install python3-cassandra)" >&2; exit 2; }

if [[ -n "$keep" ]]; then
  work="$keep"; mkdir -p "$work"
else
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi
ring="$work/ring.json"

# Both sides report their fastest of several short runs: on a shared machine the fastest is the
# least disturbed (ringcore_bench's "min" aggregate, driver_peer.py's best run).
if [[ $smoke -eq 1 ]]; then
  ring_args=(--nodes 30 --vnodes 16)
  bench_args=(--benchmark_min_time=0.01 --benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
  driver_args=(--seconds 0.2 --lookups 20000)
  ringctl_runs=5; driver_runs=3
elif [[ $quick -eq 1 ]]; then
  ring_args=()
  bench_args=(--benchmark_min_time=0.05 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
  driver_args=(--seconds 0.5 --lookups 20000)
  ringctl_runs=5; driver_runs=1
else
  ring_args=()
  bench_args=(--benchmark_min_time=0.1 --benchmark_repetitions=10 --benchmark_report_aggregates_only=true)
  driver_args=(--seconds 2 --lookups 100000)
  ringctl_runs=10; driver_runs=3
fi

python3 "$here/make_ring.py" "${ring_args[@]}" -o "$ring"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "ring: make_ring.py ${ring_args[*]:-(defaults: 1,000 nodes x 256 vnodes, 3 DCs x 3 racks)}; keyspace: $keyspace"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$work/context.txt"

echo "== ringcore_bench" >&2
"$bench" --ring="$ring" --keyspace="$keyspace" "${bench_args[@]}" \
  --benchmark_out="$work/ringcore.json" --benchmark_out_format=json >&2

echo "== driver_peer.py bench" >&2
"$driver_python" "$here/driver_peer.py" bench "$ring" "$keyspace" "${driver_args[@]}" > "$work/driver.json"

ringctl_cmd=("$ringctl" status --ring "$ring" "$keyspace" -o json)
driver_cmd=("$driver_python" "$here/driver_peer.py" status "$ring" "$keyspace")

# One run each under /usr/bin/time for peak RSS, keeping the outputs for the consistency check.
measure_rss() {  # NAME COMMAND...
  local name="$1"; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/rss_$name" "$@" > "$work/out_$name.json"
}
echo "== whole process: status (RSS and outputs)" >&2
measure_rss ringctl "${ringctl_cmd[@]}"
measure_rss driver "${driver_cmd[@]}"

# Wall time of the whole process, many runs: hyperfine when present, else a /usr/bin/time loop.
# No warm-up run: the run above under /usr/bin/time was one.
time_runs() {  # NAME RUNS COMMAND...
  local name="$1" runs="$2"; shift 2
  if [[ -z "${NO_HYPERFINE:-}" ]] && command -v hyperfine > /dev/null; then
    hyperfine --style basic --runs "$runs" --export-json "$work/status_$name.json" \
      -n "$name" "$(printf '%q ' "$@")" >&2
  else
    : > "$work/status_$name.times"
    local start end
    for _ in $(seq "$runs"); do
      start=$EPOCHREALTIME  # /usr/bin/time's %e has only 10 ms resolution
      /usr/bin/time -f '%M %U %S' -o "$work/one_run" "$@" > /dev/null
      end=$EPOCHREALTIME
      echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }') $(cat "$work/one_run")" \
        >> "$work/status_$name.times"
    done
  fi
}
echo "== whole process: status (wall time)" >&2
time_runs ringctl "$ringctl_runs" "${ringctl_cmd[@]}"
time_runs driver "$driver_runs" "${driver_cmd[@]}"

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/context.txt"
echo >&2
python3 "$here/report.py" "$work" $([[ $smoke -eq 1 ]] && echo --smoke) $json
