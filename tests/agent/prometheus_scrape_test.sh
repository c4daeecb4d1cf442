#!/usr/bin/env bash
# A real Prometheus server scrapes three ringd agents, each beside its own ringnode, and its
# query API must show the full peer-view matrix (every agent sees every node up) and every
# node's load; `promtool check metrics` must find nothing in each agent's /metrics.
#
#   prometheus_scrape_test.sh RINGNODE_BIN RINGD_BIN
#
# Nodes on 127.0.0.51..53 (storage 17500+, native 19540+), agents on the same addresses (7570+),
# Prometheus on 127.0.0.1:19590 with a 1 s scrape interval. Everything started here is killed on
# exit, pass or fail. Exit 77 (ctest: skipped) when prometheus is not installed, except on CI.
set -euo pipefail

ringnode=${1:?usage: $0 RINGNODE_BIN RINGD_BIN}
ringd=${2:?usage: $0 RINGNODE_BIN RINGD_BIN}
addresses=(127.0.0.51 127.0.0.52 127.0.0.53)
prometheus_address=127.0.0.1:19590
deadline_seconds=${PROMETHEUS_SCRAPE_DEADLINE:-120}

for binary in "$ringnode" "$ringd"; do
  [ -x "$binary" ] || { echo "FAIL: $binary is not an executable (build ringnode and ringd first)"; exit 1; }
done
for tool in prometheus promtool curl jq; do
  if ! command -v "$tool" >/dev/null; then
    if [ -n "${CI:-}" ]; then
      echo "FAIL: $tool is not installed (scripts/install-deps.sh test installs it)"
      exit 1
    fi
    echo "SKIPPED: $tool is not installed; run scripts/install-deps.sh test"
    exit 77
  fi
done

work=$(mktemp -d /tmp/prometheus-scrape-test.XXXXXX)
pids=()   # every process started here
names=()  # and what each is, for messages
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      echo "---- last lines of $(basename "$log")"
      tail -n 20 "$log"
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  exit 1
}

# Whether something listens on ADDRESS:PORT.
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# The first port from $1 that nothing listens on, on any of our addresses.
free_port() {
  local port=$1
  while :; do
    local taken=0
    for address in "${addresses[@]}"; do
      if listening "$address" "$port"; then taken=1; fi
    done
    [ "$taken" -eq 0 ] && { echo "$port"; return; }
    port=$((port + 1))
  done
}

# Runs "$@" in the background as process $1 (its output in $work/$1.log).
start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

# Fails if a process started here has exited: waiting longer would not help.
all_running() {
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} exited early (see its log below)"
  done
}

# Polls command "$@" once a second until it succeeds or $deadline_seconds pass from the start.
started_at=$SECONDS
wait_for() {
  local what=$1
  shift
  until "$@"; do
    all_running
    [ $((SECONDS - started_at)) -lt "$deadline_seconds" ] || fail "timed out after ${deadline_seconds}s waiting for $what"
    sleep 1
  done
}

listening 127.0.0.1 19590 && fail "$prometheus_address is taken: another Prometheus (or this test) runs"
storage_port=$(free_port 17500)
native_port=$(free_port 19540)
agent_port=$(free_port 7570)

# ---- three ringnodes: the first is the seed and starts first ----
for i in "${!addresses[@]}"; do
  address=${addresses[$i]}
  mkdir -p "$work/node$i"
  cat >"$work/node$i.yaml" <<EOF
cluster_name: scrape-test
listen_address: $address
storage_port: $storage_port
native_port: $native_port
seeds: [${addresses[0]}]
dc: dc1
rack: rack$((i + 1))
num_tokens: 4
data_directory: $work/node$i
EOF
  start "ringnode$i" "$ringnode" --config "$work/node$i.yaml"
  if [ "$i" -eq 0 ]; then
    wait_for "the seed ringnode" curl -sf "http://$address:$native_port/v1/health" -o /dev/null
  fi
done

# ---- one ringd per node, on the node's address ----
for i in "${!addresses[@]}"; do
  address=${addresses[$i]}
  start "ringd$i" "$ringd" --listen "$address:$agent_port" --backend lab --node "$address:$native_port" --interval 1
done

# ---- Prometheus, scraping every agent each second ----
{
  echo "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}"
  echo "scrape_configs:"
  echo "  - job_name: ringd"
  echo "    static_configs:"
  echo "      - targets:"
  for address in "${addresses[@]}"; do echo "          - $address:$agent_port"; done
} >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml" >/dev/null || fail "promtool rejects the generated config"
start prometheus prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="$prometheus_address"

# Prometheus' answer to an instant query, as JSON.
query() { curl -sf "http://$prometheus_address/api/v1/query" --data-urlencode "query=$1"; }

# Every agent reports every node up: 3 x 3 series of ringd_peer_up, all 1.
peer_matrix_complete() {
  local answer
  answer=$(query 'ringd_peer_up == 1') || return 1
  local pairs
  pairs=$(jq -r '.data.result[].metric | "\(.node) \(.peer)"' <<<"$answer" | sort -u)
  for node in "${addresses[@]}"; do
    for peer in "${addresses[@]}"; do
      grep -qx "$node $peer" <<<"$pairs" || return 1
    done
  done
}

# Every node's load comes from its own agent.
load_reported() {
  local answer
  answer=$(query 'ringd_load_bytes') || return 1
  for node in "${addresses[@]}"; do
    jq -e --arg node "$node" '[.data.result[] | select(.metric.node == $node and .metric.cluster == "scrape-test")] | length == 1' \
      <<<"$answer" >/dev/null || return 1
  done
}

# Every node's capacity figures (the contract's names) come from its own agent.
capacity_reported() {
  local metric answer
  for metric in ringd_hardware_cpus ringd_memory_total_bytes ringd_memory_used_bytes ringd_memory_limit_bytes \
                ringd_disk_total_bytes ringd_pending_compactions ringd_pending_compaction_bytes; do
    answer=$(query "$metric") || return 1
    for node in "${addresses[@]}"; do
      jq -e --arg node "$node" '[.data.result[] | select(.metric.node == $node)] | length == 1' <<<"$answer" >/dev/null ||
        return 1
    done
  done
}

wait_for "Prometheus to serve queries" curl -sf "http://$prometheus_address/-/ready" -o /dev/null
wait_for "ringd_peer_up == 1 for all 9 (agent, peer) pairs in Prometheus" peer_matrix_complete
echo "ok: Prometheus has ringd_peer_up = 1 for every (agent, peer) pair after $((SECONDS - started_at))s"
wait_for "ringd_load_bytes from every agent in Prometheus" load_reported
echo "ok: Prometheus has ringd_load_bytes from every agent"
wait_for "the capacity metrics from every agent in Prometheus" capacity_reported
echo "ok: Prometheus has the capacity metrics (CPUs, memory, disk total, pending compactions) from every agent"

# No extra peers nor a second series per pair: exactly the 3 x 3 matrix.
count=$(query 'count(ringd_peer_up)' | jq -r '.data.result[0].value[1]')
[ "$count" = 9 ] || fail "expected 9 ringd_peer_up series, Prometheus has $count"

for address in "${addresses[@]}"; do
  curl -sf "http://$address:$agent_port/metrics" -o "$work/metrics-$address.txt" || fail "GET /metrics from $address"
  if ! output=$(promtool check metrics <"$work/metrics-$address.txt" 2>&1); then
    fail "promtool check metrics on $address's /metrics: $output"
  fi
  [ -z "$output" ] || fail "promtool check metrics on $address's /metrics: $output"
done
echo "ok: promtool check metrics finds nothing in the 3 agents' /metrics"
