// ringcore_bench: ringcore's hot paths on a large ring, for bench/run.sh to set beside the
// DataStax Python driver doing the same work (bench/driver_peer.py).
//
//   ringcore_bench --ring=FILE [--keyspace=NAME] [benchmark flags]
//
// The ring is a snapshot file (bench/make_ring.py writes the 1,000 x 256 x 3-DC one); it may also
// come from $RINGCTL_BENCH_RING, the keyspace from $RINGCTL_BENCH_KEYSPACE (default "nts").
// Without a ring only the Murmur3 benchmarks run; the others report an error.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"

namespace {

using ringcore::ClusterSnapshot;
using ringcore::Keyspace;
using ringcore::ReplicaPlacement;
using ringcore::TokenRing;

struct Options {
  std::string ring_file;
  std::string keyspace = "nts";
};

Options& options() {
  static Options o;
  return o;
}

// The ring under test, read and parsed once. `error` is set when it cannot be used.
struct BenchRing {
  std::string text;
  std::optional<ClusterSnapshot> snapshot;
  ringcore::Replication replication;  // of the benchmark keyspace
  std::string error;
};

BenchRing load_ring() {
  BenchRing ring;
  const Options& o = options();
  if (o.ring_file.empty()) {
    ring.error = "no ring: pass --ring=FILE or set RINGCTL_BENCH_RING";
    return ring;
  }
  std::ifstream file(o.ring_file, std::ios::binary);
  if (!file) {
    ring.error = "cannot read ring file '" + o.ring_file + "'";
    return ring;
  }
  std::ostringstream text;
  text << file.rdbuf();
  ring.text = text.str();
  auto parsed = ringcore::parse_snapshot(ring.text);
  if (!parsed) {
    ring.error = o.ring_file + ": " + parsed.error().message();
    return ring;
  }
  ring.snapshot = std::move(parsed).value();
  const Keyspace* keyspace = ring.snapshot->find_keyspace(o.keyspace);
  if (keyspace == nullptr) {
    ring.error = "keyspace '" + o.keyspace + "' is not in " + o.ring_file;
    return ring;
  }
  ring.replication = keyspace->replication;
  // Checked once here, so that the benchmarks can take placement_on() for granted.
  const TokenRing token_ring(*ring.snapshot);
  auto placement = ReplicaPlacement::create(token_ring, ring.replication);
  if (!placement) ring.error = "keyspace '" + o.keyspace + "': " + placement.error().message();
  return ring;
}

const BenchRing& bench_ring() {
  static const BenchRing ring = load_ring();
  return ring;
}

// The ring, or nullptr after marking the benchmark skipped.
const BenchRing* ring_or_skip(benchmark::State& state) {
  const BenchRing& ring = bench_ring();
  if (!ring.error.empty()) {
    state.SkipWithError(ring.error.c_str());
    return nullptr;
  }
  return &ring;
}

// The benchmark keyspace's placement on `ring`; load_ring() has checked that it can be made.
ReplicaPlacement placement_on(const TokenRing& ring, const BenchRing& bench) {
  return ReplicaPlacement::create(ring, bench.replication).value();
}

std::vector<std::string> random_keys(std::size_t count, std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> keys(count, std::string(size, '\0'));
  for (std::string& key : keys) {
    for (char& c : key) c = static_cast<char>(rng());
  }
  return keys;
}

// With --benchmark_repetitions, the fastest repetition too, as the driver's peer reports its
// fastest run: the machine is shared, and the minimum is the least disturbed figure.
double fastest(const std::vector<double>& values) { return *std::min_element(values.begin(), values.end()); }

void ring_counters(benchmark::State& state, const TokenRing& ring) {
  state.counters["ring_tokens"] = static_cast<double>(ring.size());
  state.counters["nodes"] = static_cast<double>(ring.node_count());
}

// Murmur3 of a key of range(0) bytes, as the partitioner hashes a partition key.
void BM_Murmur3(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::vector<std::string> keys = random_keys(4096, size, 1);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ringcore::murmur3_cassandra(keys[i]));
    if (++i == keys.size()) i = 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_Murmur3)->ComputeStatistics("min", fastest)->Arg(16)->Arg(1024);

// getendpoints: a 16-byte key to its replicas, as `ringctl getendpoints` and the driver's
// Metadata.get_replicas do it (hash, find the range, place its replicas).
void BM_GetEndpoints(benchmark::State& state) {
  const BenchRing* bench = ring_or_skip(state);
  if (bench == nullptr) return;
  const TokenRing ring(*bench->snapshot);
  const ReplicaPlacement placement = placement_on(ring, *bench);
  const std::vector<std::string> keys = random_keys(1 << 16, 16, 2);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(placement.replicas_for_token(ringcore::token_for_key(keys[i])));
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  ring_counters(state, ring);
}
BENCHMARK(BM_GetEndpoints)->ComputeStatistics("min", fastest);

// Effective ownership from a parsed snapshot: build the ring, place every range's replicas,
// sum the shares. The target is under 100 ms on the 1,000 x 256 x 3-DC ring.
void BM_EffectiveOwnership(benchmark::State& state) {
  const BenchRing* bench = ring_or_skip(state);
  if (bench == nullptr) return;
  for (auto _ : state) {
    const TokenRing ring(*bench->snapshot);
    benchmark::DoNotOptimize(ringcore::effective_ownership(placement_on(ring, *bench)));
  }
  ring_counters(state, TokenRing(*bench->snapshot));
}
BENCHMARK(BM_EffectiveOwnership)->ComputeStatistics("min", fastest)->Unit(benchmark::kMillisecond);

// The part of BM_EffectiveOwnership that is replica placement and sums, on a built ring.
void BM_PlacementAndSums(benchmark::State& state) {
  const BenchRing* bench = ring_or_skip(state);
  if (bench == nullptr) return;
  const TokenRing ring(*bench->snapshot);
  const ReplicaPlacement placement = placement_on(ring, *bench);
  for (auto _ : state) benchmark::DoNotOptimize(ringcore::effective_ownership(placement));
}
BENCHMARK(BM_PlacementAndSums)->ComputeStatistics("min", fastest)->Unit(benchmark::kMillisecond);

void BM_TokenRingBuild(benchmark::State& state) {
  const BenchRing* bench = ring_or_skip(state);
  if (bench == nullptr) return;
  for (auto _ : state) {
    const TokenRing ring(*bench->snapshot);
    benchmark::DoNotOptimize(ring.tokens().data());
  }
}
BENCHMARK(BM_TokenRingBuild)->ComputeStatistics("min", fastest)->Unit(benchmark::kMillisecond);

// parse_snapshot on the file's text: JSON parsing plus validation.
void BM_ParseSnapshot(benchmark::State& state) {
  const BenchRing* bench = ring_or_skip(state);
  if (bench == nullptr) return;
  for (auto _ : state) benchmark::DoNotOptimize(ringcore::parse_snapshot(bench->text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bench->text.size()));
}
BENCHMARK(BM_ParseSnapshot)->ComputeStatistics("min", fastest)->Unit(benchmark::kMillisecond);

// JSON parsing alone, with the document type parse_snapshot uses: how much of
// BM_ParseSnapshot is nlohmann::json rather than ringcore.
void BM_ParseJsonOnly(benchmark::State& state) {
  const BenchRing* bench = ring_or_skip(state);
  if (bench == nullptr) return;
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::ordered_json::parse(bench->text));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bench->text.size()));
}
BENCHMARK(BM_ParseJsonOnly)->ComputeStatistics("min", fastest)->Unit(benchmark::kMillisecond);

// Takes --ring=FILE and --keyspace=NAME out of argv, leaving the rest to Google Benchmark.
void take_own_flags(int& argc, char** argv) {
  Options& o = options();
  if (const char* env = std::getenv("RINGCTL_BENCH_RING")) o.ring_file = env;
  if (const char* env = std::getenv("RINGCTL_BENCH_KEYSPACE")) o.keyspace = env;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("--ring=")) {
      o.ring_file = arg.substr(7);
    } else if (arg.starts_with("--keyspace=")) {
      o.keyspace = arg.substr(11);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
}

}  // namespace

int main(int argc, char** argv) {
  take_own_flags(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("ring_file", options().ring_file.empty() ? "(none)" : options().ring_file);
  benchmark::AddCustomContext("keyspace", options().keyspace);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
