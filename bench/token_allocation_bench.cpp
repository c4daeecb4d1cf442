// How even the balanced token allocator keeps a ring, against random tokens.
//
// Grows one-DC, one-rack clusters node by node with allocate_balanced_tokens (RF 3) and prints,
// at 6, 12, 24, 48 and 96 nodes, max/mean and stddev/mean of effective ownership, the same for
// random tokens (averaged over several seeds), the random figures of nodetool-facts §9.3, the
// tolerance of Cassandra's own allocator test (1 + 4/(V*RF)), and the allocation time per node.
//
//   token_allocation_bench                 the table (V = 4, 16, 256; 256 stops at 48 nodes)
//   token_allocation_bench --large         also grows V = 16 to 1000 nodes and times the 1000th
//   token_allocation_bench --json          one JSON object, a member per (V, nodes), instead of
//                                          the table (bench/all.sh reads it)
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ringcore/token_allocator.h"

namespace {

constexpr int kRf = 3;
constexpr int kRandomSeeds = 20;
const std::string kDc = "dc1";
const std::vector<int> kCheckpoints = {6, 12, 24, 48, 96};

// nodetool-facts §9.3 (random tokens, RF 3, mean of max/mean over 200 trials), by (V, nodes).
const std::map<std::pair<int, int>, double> kFactsRandomMaxOverMean = {
    {{4, 6}, 1.37},   {{4, 12}, 1.50},  {{4, 48}, 1.74},   {{16, 6}, 1.20},  {{16, 12}, 1.25},
    {{16, 48}, 1.35}, {{256, 6}, 1.05}, {{256, 12}, 1.06}, {{256, 48}, 1.08}};

ringcore::Node bench_node(int number, std::vector<ringcore::Token> tokens) {
  ringcore::Node node;
  node.address = "10." + std::to_string(number / 65536) + "." + std::to_string(number / 256 % 256) + "." +
                 std::to_string(number % 256);
  node.host_id = "node-" + std::to_string(number);
  node.dc = kDc;
  node.rack = "r1";
  node.tokens = std::move(tokens);
  return node;
}

ringcore::ClusterSnapshot empty_cluster() {
  ringcore::ClusterSnapshot snapshot;
  snapshot.cluster = "bench";
  snapshot.partitioner = "org.apache.cassandra.dht.Murmur3Partitioner";
  return snapshot;
}

ringcore::OwnershipBalance balance_of(const ringcore::ClusterSnapshot& snapshot) {
  return ringcore::replicated_ownership_balance(snapshot, kDc, kRf).value_or_throw();
}

// Mean max/mean and stddev/mean of `nodes` nodes with random tokens, over kRandomSeeds seeds.
std::pair<double, double> random_balance(int nodes, int vnodes) {
  double max_sum = 0;
  double cv_sum = 0;
  for (int seed = 0; seed < kRandomSeeds; ++seed) {
    ringcore::ClusterSnapshot snapshot = empty_cluster();
    std::vector<ringcore::Token> taken;
    for (int n = 0; n < nodes; ++n) {
      const auto node_seed = static_cast<std::uint64_t>(seed) * 100003 + static_cast<std::uint64_t>(n);
      ringcore::SplitMix64 random(node_seed);
      auto tokens = ringcore::random_tokens(vnodes, taken, random).value_or_throw();
      taken.insert(taken.end(), tokens.begin(), tokens.end());
      snapshot.nodes.push_back(bench_node(n, std::move(tokens)));
    }
    const auto balance = balance_of(snapshot);
    max_sum += balance.max_over_mean;
    cv_sum += balance.stddev_over_mean;
  }
  return {max_sum / kRandomSeeds, cv_sum / kRandomSeeds};
}

// Processor time rather than wall time: the build machine is shared, and the allocator runs on
// one thread, so processor time is what an idle machine's wall clock would show.
double cpu_millis() { return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// Adds one node with balanced tokens; returns the processor milliseconds the allocation took.
double add_balanced_node(ringcore::ClusterSnapshot& snapshot, int vnodes) {
  const int number = static_cast<int>(snapshot.nodes.size());
  ringcore::Node node = bench_node(number, {});
  ringcore::SplitMix64 random(42);
  const double start = cpu_millis();
  node.tokens = ringcore::allocate_balanced_tokens(snapshot, {node.address, node.dc, node.rack}, vnodes, kRf, random)
                    .value_or_throw();
  const double ms = cpu_millis() - start;
  snapshot.nodes.push_back(std::move(node));
  return ms;
}

std::string format_reference(int vnodes, int nodes) {
  auto it = kFactsRandomMaxOverMean.find({vnodes, nodes});
  if (it == kFactsRandomMaxOverMean.end()) return "-";
  char text[16];
  std::snprintf(text, sizeof text, "%.2f", it->second);
  return text;
}

// One checkpoint of one V: a line of the table, or a member of the JSON object.
struct Checkpoint {
  int vnodes;
  int nodes;
  ringcore::OwnershipBalance balanced;
  double random_max;
  double random_cv;
  double bound;
  double ms_per_node;
  double ms_last;
};

void print_line(const Checkpoint& c) {
  std::printf("%4d %6d | %8.4f %8.2f%% | %8.3f %8.2f%% | %6s | %7.4f | %9.2f %9.2f\n", c.vnodes, c.nodes,
              c.balanced.max_over_mean, 100 * c.balanced.stddev_over_mean, c.random_max, 100 * c.random_cv,
              format_reference(c.vnodes, c.nodes).c_str(), c.bound, c.ms_per_node, c.ms_last);
}

// `separator` goes before the member: "" for the first, ",\n" after.
void print_member(const Checkpoint& c, const char* separator) {
  const auto facts = kFactsRandomMaxOverMean.find({c.vnodes, c.nodes});
  std::printf(
      "%s  \"V=%d,nodes=%d\": {\"vnodes\": %d, \"nodes\": %d, \"balanced_max_over_mean\": %.5f, "
      "\"balanced_stddev_over_mean\": %.5f, \"random_max_over_mean\": %.5f, \"random_stddev_over_mean\": %.5f, "
      "\"facts_random_max_over_mean\": %s, \"bound\": %.5f, \"ms_per_node\": %.3f, \"ms_last\": %.3f}",
      separator, c.vnodes, c.nodes, c.vnodes, c.nodes, c.balanced.max_over_mean, c.balanced.stddev_over_mean,
      c.random_max, c.random_cv,
      facts == kFactsRandomMaxOverMean.end() ? "null" : format_reference(c.vnodes, c.nodes).c_str(), c.bound,
      c.ms_per_node, c.ms_last);
}

// Grows one cluster of V-vnode nodes to each checkpoint up to max_nodes; `each` gets every one.
template <class Each>
void grow(int vnodes, int max_nodes, Each each) {
  ringcore::ClusterSnapshot snapshot = empty_cluster();
  double ms_total = 0;
  double ms_last = 0;
  for (int checkpoint : kCheckpoints) {
    if (checkpoint > max_nodes) break;
    while (static_cast<int>(snapshot.nodes.size()) < checkpoint) {
      ms_last = add_balanced_node(snapshot, vnodes);
      ms_total += ms_last;
    }
    const auto [random_max, random_cv] = random_balance(checkpoint, vnodes);
    each(Checkpoint{vnodes, checkpoint, balance_of(snapshot), random_max, random_cv, 1.0 + 4.0 / (vnodes * kRf),
                    ms_total / checkpoint, ms_last});
    std::fflush(stdout);
  }
}

void time_large_cluster(int vnodes, int nodes) {
  ringcore::ClusterSnapshot snapshot = empty_cluster();
  double ms_last = 0;
  while (static_cast<int>(snapshot.nodes.size()) < nodes) ms_last = add_balanced_node(snapshot, vnodes);
  const auto balance = balance_of(snapshot);
  std::printf("V=%d, node %d: allocation %.1f ms; max/mean %.4f, stddev/mean %.2f%%\n", vnodes, nodes, ms_last,
              balance.max_over_mean, 100 * balance.stddev_over_mean);
}

}  // namespace

int main(int argc, char** argv) {
  bool large = false;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--large") == 0) {
      large = true;
    } else if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else {
      std::fprintf(stderr, "usage: token_allocation_bench [--large] [--json]\n");
      return 2;
    }
  }
  const std::vector<std::pair<int, int>> tables = {{4, 96}, {16, 96}, {256, 48}};
  if (json) {
    std::printf("{\"rf\": %d, \"random_seeds\": %d, \"checkpoints\": {\n", kRf, kRandomSeeds);
    const char* separator = "";
    for (const auto& [vnodes, max_nodes] : tables) {
      grow(vnodes, max_nodes, [&](const Checkpoint& c) {
        print_member(c, separator);
        separator = ",\n";
      });
    }
    std::printf("\n}}\n");
    return 0;
  }
  std::printf(
      "Effective ownership, one DC, one rack, RF %d. Balanced: allocate_balanced_tokens, grown node by\n"
      "node. Random: random_tokens, mean over %d seeds. facts: nodetool-facts §9.3 random max/mean.\n"
      "bound: Cassandra's allocator test tolerance 1 + 4/(V*RF). ms: processor time of one allocation,\n"
      "mean over the nodes so far and for the last node.\n\n",
      kRf, kRandomSeeds);
  std::printf(
      "   V  nodes | balanced max/mean sd/mean |   random max/mean sd/mean |  facts |   bound | ms/node   ms last\n");
  for (const auto& [vnodes, max_nodes] : tables) grow(vnodes, max_nodes, print_line);
  std::printf("(V=256 stops at 48 nodes: an allocation there grows with the ring, about 0.1 s at 48.)\n");
  if (large) time_large_cluster(16, 1000);
  return 0;
}
