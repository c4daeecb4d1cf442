// Builds small snapshots by hand for tests: ring_of({{"10.0.0.1", "dc1", "r1", {0, 100}}, ...}).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ringcore/replication.h"
#include "ringcore/snapshot.h"

namespace test_support {

struct NodeSpec {
  std::string address;
  std::string dc;
  std::string rack;
  std::vector<ringcore::Token> tokens;
  ringcore::NodeState state = ringcore::NodeState::kNormal;
};

inline ringcore::ClusterSnapshot ring_of(const std::vector<NodeSpec>& specs) {
  ringcore::ClusterSnapshot snapshot;
  snapshot.cluster = "test";
  int n = 0;
  for (const NodeSpec& spec : specs) {
    ringcore::Node node;
    node.address = spec.address;
    const std::string number = std::to_string(++n);
    node.host_id = "00000000-0000-4000-8000-" + std::string(12 - number.size(), '0') + number;
    node.dc = spec.dc;
    node.rack = spec.rack;
    node.state = spec.state;
    node.tokens = spec.tokens;
    node.load_bytes = 1024 * n;
    snapshot.nodes.push_back(node);
  }
  return snapshot;
}

// n nodes of `tokens` evenly interleaved tokens each (node i's t-th token ends slot t x n + i + 1
// of n x tokens equal slots), named 10.0.0.<i + 1>, in dc1, racks r1..r<racks> in turn.
inline std::vector<NodeSpec> interleaved_specs(int n, int tokens, int racks) {
  std::vector<NodeSpec> specs;
  const std::uint64_t step = static_cast<std::uint64_t>(-1) / static_cast<std::uint64_t>(n * tokens);
  for (int i = 0; i < n; ++i) {
    std::vector<ringcore::Token> owned;
    for (int t = 0; t < tokens; ++t) {
      owned.push_back(
          static_cast<ringcore::Token>(static_cast<std::uint64_t>(ringcore::kMinToken) + step * (t * n + i + 1)));
    }
    specs.push_back({"10.0.0." + std::to_string(i + 1), "dc1", "r" + std::to_string(i % racks + 1), owned});
  }
  return specs;
}

inline ringcore::Replication simple(int rf) {
  return ringcore::parse_replication({{"class", "SimpleStrategy"}, {"replication_factor", std::to_string(rf)}}).value();
}

inline ringcore::Replication nts(const std::vector<std::pair<std::string, int>>& dcs) {
  std::vector<std::pair<std::string, std::string>> options = {{"class", "NetworkTopologyStrategy"}};
  for (const auto& [dc, rf] : dcs) options.emplace_back(dc, std::to_string(rf));
  return ringcore::parse_replication(options).value();
}

}  // namespace test_support
