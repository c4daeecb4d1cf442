// How fast gossip spreads news and notices a crash, simulated in one process.
//
// For N = 10, 100 and 1000 nodes (3 of them seeds) and several generator seeds, builds a cluster of
// ringcore gossipers on the deterministic round network of tests/support/gossip_network.h (all
// messages of a round are delivered within it), lets it form, then measures:
//   - formation: rounds until every node sees every other live, from nodes knowing only seeds
//   - spread: rounds until a new SCHEMA value of a random node is known to all, beside log2(N)
//   - detection: rounds from a crash until the first node, and until every node, marks it down,
//     beside the failure detectors' mean interval for the crashed node
//   - messages per round (all types) and Syns per round, in the spreading phase
//   - wall time of the whole simulation of that N, and per simulated round (CPU-bound: on a
//     loaded machine it grows with the load)
// Means and p99 (nearest rank; with few samples that is the maximum) over all samples.
//
//   gossip_convergence                   5 clusters (generator seeds 1..5) per size, 2 from 500 nodes on
//   gossip_convergence --seeds 3         3 clusters per size below 500 nodes
//   gossip_convergence --large-seeds 5   5 clusters per size from 500 nodes on (about a CPU minute each)
//   gossip_convergence --sizes 10,100    other sizes
//   gossip_convergence --json            one JSON object, a member per size, instead of the table
//                                        (bench/all.sh reads it)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "support/gossip_network.h"

namespace {

using ringcore::gossip::ApplicationState;
using test_support::GossipNetwork;

constexpr std::size_t kSeedNodes = 3;
constexpr int kChangesPerCluster = 4;
constexpr int kWarmupRounds = 30;  // failure-detector windows fill before a node is crashed
constexpr int kMaxRounds = 1000;

struct Samples {
  std::vector<double> values;
  void add(double v) { values.push_back(v); }
  double mean() const {
    double sum = 0;
    for (double v : values) sum += v;
    return values.empty() ? NAN : sum / static_cast<double>(values.size());
  }
  double p99() const {
    if (values.empty()) return NAN;
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(sorted.size())));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
  }
};

struct Row {
  Samples formation, spread, first_detection, all_detection, fd_mean, messages, syns;
  double wall_seconds = 0;
  long rounds = 0;
};

std::size_t total(const GossipNetwork::Counts& counts) {
  std::size_t sum = 0;
  for (std::size_t c : counts) sum += c;
  return sum;
}

bool any_sees_down(GossipNetwork& network, std::size_t target) {
  for (std::size_t i = 0; i < network.size(); ++i) {
    if (i != target && network.up(i) && !network.node(i).is_alive(network.address(target))) return true;
  }
  return false;
}

// Rounds until `done`, or kMaxRounds (reported as such) when it never holds.
template <class Done>
int rounds_until(GossipNetwork& network, Done done, const std::function<void()>& each_round = {}) {
  for (int round = 1; round <= kMaxRounds; ++round) {
    network.run_round();
    if (each_round) each_round();
    if (done()) return round;
  }
  std::fprintf(stderr, "warning: no convergence within %d rounds\n", kMaxRounds);
  return kMaxRounds;
}

void simulate(std::size_t n, std::uint64_t seed, Row& row) {
  GossipNetwork network = test_support::make_cluster(n, kSeedNodes, seed);
  row.formation.add(rounds_until(network, [&] { return test_support::all_live(network); }));
  for (int i = 0; i < kWarmupRounds; ++i) network.run_round();

  ringcore::SplitMix64 pick(seed * 7919);
  for (int change = 0; change < kChangesPerCluster; ++change) {
    const std::size_t owner = pick.next_below(n);
    network.node(owner).set_local_state(ApplicationState::kSchema, "schema-" + std::to_string(change));
    const auto version =
        network.node(owner).endpoint_state(network.address(owner))->get(ApplicationState::kSchema)->version;
    row.spread.add(rounds_until(
        network, [&] { return test_support::all_know(network, owner, ApplicationState::kSchema, version); },
        [&] {
          row.messages.add(static_cast<double>(total(network.last_round_messages())));
          row.syns.add(static_cast<double>(network.last_round_messages()[0]));
        }));
  }

  const std::size_t victim = pick.next_below(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != victim) row.fd_mean.add(*network.node(i).failure_detector().mean_interval(network.address(victim)));
  }
  network.crash(victim);
  int first = 0;
  const int all = rounds_until(
      network, [&] { return test_support::all_see_down(network, victim); },
      [&] {
        if (first == 0 && any_sees_down(network, victim)) first = network.rounds();
      });
  const int crashed_at = network.rounds() - all;
  row.first_detection.add(first - crashed_at);
  row.all_detection.add(all);
  row.rounds += network.rounds();
}

std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::size_t n = std::strtoul(text.substr(start, comma - start).c_str(), nullptr, 10);
    if (n >= 2) sizes.push_back(n);
    start = comma + 1;
  }
  return sizes;
}

void print_table_header() {
  std::printf("Gossip convergence: %zu seed nodes; per cluster %d state changes and 1 crash.\n", kSeedNodes,
              kChangesPerCluster);
  std::printf("Rounds of 1 s; all messages of a round are delivered within it. p99 = nearest rank.\n");
  std::printf("fd mean: the victim's mean heartbeat interval in the others' windows at the crash;\n");
  std::printf("         8 ln 10 x fd mean is the silence a node needs before it convicts.\n\n");
  std::printf("%6s %8s %6s | %9s | %6s %4s %6s | %6s %6s %4s %7s | %8s %7s | %7s %8s\n", "N", "clusters", "log2N",
              "formation", "spread", "p99", "/log2N", "first", "all", "p99", "fd mean", "msgs/rnd", "syn/rnd", "wall s",
              "ms/round");
  std::printf("%6s %8s %6s | %9s | %18s | %26s | %16s |\n", "", "", "", "rounds", "state change known",
              "crash marked down", "while spreading");
}

void print_table_row(std::size_t n, int count, const Row& row) {
  const double log2n = std::log2(static_cast<double>(n));
  std::printf("%6zu %8d %6.2f | %9.1f | %6.2f %4.0f %6.2f | %6.1f %6.1f %4.0f %7.0f | %8.0f %7.0f | %7.1f %8.2f\n", n,
              count, log2n, row.formation.mean(), row.spread.mean(), row.spread.p99(), row.spread.mean() / log2n,
              row.first_detection.mean(), row.all_detection.mean(), row.all_detection.p99(), row.fd_mean.mean(),
              row.messages.mean(), row.syns.mean(), row.wall_seconds,
              1000.0 * row.wall_seconds / static_cast<double>(row.rounds));
}

// The table's figures under names; the caller writes the separators around the members.
void print_json_member(std::size_t n, int count, const Row& row) {
  const double log2n = std::log2(static_cast<double>(n));
  std::printf(
      "  \"%zu\": {\"clusters\": %d, \"log2n\": %.4f, \"formation_rounds\": %.2f, \"spread_rounds\": %.3f, "
      "\"spread_rounds_p99\": %.0f, \"spread_over_log2n\": %.4f, \"first_detection_rounds\": %.2f, "
      "\"all_detection_rounds\": %.2f, \"all_detection_rounds_p99\": %.0f, \"fd_mean_ms\": %.3f, "
      "\"messages_per_round\": %.1f, \"syns_per_round\": %.1f, \"wall_seconds\": %.2f, \"ms_per_round\": %.3f}",
      n, count, log2n, row.formation.mean(), row.spread.mean(), row.spread.p99(), row.spread.mean() / log2n,
      row.first_detection.mean(), row.all_detection.mean(), row.all_detection.p99(), row.fd_mean.mean(),
      row.messages.mean(), row.syns.mean(), row.wall_seconds,
      1000.0 * row.wall_seconds / static_cast<double>(row.rounds));
}

}  // namespace

int main(int argc, char** argv) {
  int clusters = 5;
  int large_clusters = 2;  // a 1000-node cluster costs about a minute of CPU
  bool json = false;
  std::vector<std::size_t> sizes = {10, 100, 1000};
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (has_value && std::strcmp(argv[i], "--seeds") == 0) {
      clusters = std::max(1, std::atoi(argv[++i]));
    } else if (has_value && std::strcmp(argv[i], "--large-seeds") == 0) {
      large_clusters = std::max(1, std::atoi(argv[++i]));
    } else if (has_value && std::strcmp(argv[i], "--sizes") == 0) {
      sizes = parse_sizes(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: gossip_convergence [--seeds N] [--large-seeds N] [--sizes N,N...] [--json]\n");
      return 2;
    }
  }

  if (json) {
    std::printf("{\"seed_nodes\": %zu, \"changes_per_cluster\": %d, \"sizes\": {\n", kSeedNodes, kChangesPerCluster);
  } else {
    print_table_header();
  }
  const char* separator = "";
  for (std::size_t n : sizes) {
    const int count = n >= 500 ? large_clusters : clusters;
    Row row;
    const auto start = std::chrono::steady_clock::now();
    for (int seed = 1; seed <= count; ++seed) simulate(n, static_cast<std::uint64_t>(seed), row);
    row.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (json) {
      std::printf("%s", separator);
      print_json_member(n, count, row);
      separator = ",\n";
    } else {
      print_table_row(n, count, row);
    }
    std::fflush(stdout);
  }
  if (json) std::printf("\n}}\n");
  return 0;
}
