// merkle_tree_bench: building, comparing and serialising repair's Merkle trees, on 1M rows
// spread over the whole ring (about what one node holds in one range of a lab repair).
//
//   merkle_tree_bench [benchmark flags]
//
// Rows are generated once (seeded): keys "key-N", random timestamps and 100-byte values.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "ringcore/merkle_tree.h"

namespace {

using ringcore::MerkleTree;
using ringcore::TokenRange;

constexpr std::size_t kRows = 1'000'000;
constexpr TokenRange kWholeRing{ringcore::kMinToken, ringcore::kMinToken};

struct BenchRow {
  ringcore::Token token;
  std::string key;
  std::int64_t timestamp_us;
  std::string value;
  std::string hash;  // row_hash of the above
};

const std::vector<BenchRow>& rows() {
  static const std::vector<BenchRow> all = [] {
    std::mt19937_64 rng(11);
    std::vector<BenchRow> out(kRows);
    for (std::size_t i = 0; i < kRows; ++i) {
      BenchRow& row = out[i];
      row.key = "key-" + std::to_string(i);
      row.token = ringcore::token_for_key(row.key);
      row.timestamp_us = static_cast<std::int64_t>(rng() >> 12);
      row.value.assign(100, static_cast<char>('a' + rng() % 26));
      row.hash = ringcore::row_hash(row.key, row.timestamp_us, false, ringcore::value_digest(row.value));
    }
    // Storage hands rows over in ring order.
    std::sort(out.begin(), out.end(), [](const BenchRow& a, const BenchRow& b) { return a.token < b.token; });
    return out;
  }();
  return all;
}

MerkleTree build(int depth) {
  MerkleTree tree(kWholeRing, depth);
  for (const BenchRow& row : rows()) benchmark::DoNotOptimize(tree.add(row.token, row.hash));
  return tree;
}

// With --benchmark_repetitions, the fastest repetition too (the machine is shared).
double fastest(const std::vector<double>& values) { return *std::min_element(values.begin(), values.end()); }

// Adding 1M rows whose row hashes are known: the tree's own cost. range(0) is the depth.
void BM_MerkleAddRows(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  rows();
  for (auto _ : state) benchmark::DoNotOptimize(build(depth).root_hash());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRows));
}
BENCHMARK(BM_MerkleAddRows)->ComputeStatistics("min", fastest)->Arg(15)->Arg(20)->Unit(benchmark::kMillisecond);

// What a node does per row it reads for a validation: value digest, row hash, add.
void BM_MerkleBuildFromRows(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  rows();
  for (auto _ : state) {
    MerkleTree tree(kWholeRing, depth);
    for (const BenchRow& row : rows()) {
      const std::string hash = ringcore::row_hash(row.key, row.timestamp_us, false, ringcore::value_digest(row.value));
      benchmark::DoNotOptimize(tree.add(row.token, hash));
    }
    benchmark::DoNotOptimize(tree.root_hash());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRows));
}
BENCHMARK(BM_MerkleBuildFromRows)->ComputeStatistics("min", fastest)->Arg(15)->Arg(20)->Unit(benchmark::kMillisecond);

// Comparing two trees that differ in 100 rows.
void BM_MerkleDifference(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  const MerkleTree a = build(depth);
  MerkleTree b = a;
  for (std::size_t i = 0; i < kRows; i += kRows / 100) benchmark::DoNotOptimize(b.add(rows()[i].token, "changed"));
  for (auto _ : state) benchmark::DoNotOptimize(ringcore::difference(a, b));
}
BENCHMARK(BM_MerkleDifference)->ComputeStatistics("min", fastest)->Arg(15)->Arg(20)->Unit(benchmark::kMillisecond);

// The wire form of a 2^15-leaf tree, both ways.
void BM_MerkleToJson(benchmark::State& state) {
  const MerkleTree tree = build(15);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string json = tree.to_json();
    bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.counters["json_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_MerkleToJson)->ComputeStatistics("min", fastest)->Unit(benchmark::kMillisecond);

void BM_MerkleFromJson(benchmark::State& state) {
  const std::string json = build(15).to_json();
  for (auto _ : state) benchmark::DoNotOptimize(MerkleTree::from_json(json));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_MerkleFromJson)->ComputeStatistics("min", fastest)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
