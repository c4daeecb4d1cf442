// Rebalance: each imbalance cause of the seeds' table on a ring built to show it, with its
// evidence and fix; and none on a balanced ring.
#include "ringcore/rebalance.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ringcore/ownership.h"
#include "ringcore/ring.h"
#include "support/ring_builder.h"

using ringcore::ClusterSnapshot;
using ringcore::Finding;
using ringcore::FindingKind;
using ringcore::RebalanceReport;

namespace {

constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;

// interleaved_specs(n, tokens, racks) with NTS {dc1: rf}, every node 100 GiB.
ClusterSnapshot balanced(int n, int tokens, int racks, int rf) {
  ClusterSnapshot snapshot = test_support::ring_of(test_support::interleaved_specs(n, tokens, racks));
  for (auto& node : snapshot.nodes) node.load_bytes = 100 * kGiB;
  snapshot.keyspaces.push_back({"orders", test_support::nts({{"dc1", rf}})});
  return snapshot;
}

RebalanceReport analyse(const ClusterSnapshot& snapshot) {
  auto report = ringcore::analyse_balance(snapshot, {});
  REQUIRE_MESSAGE(report.ok(), report.error().message());
  return std::move(report).value();
}

std::vector<std::string> kinds(const RebalanceReport& report) {
  std::vector<std::string> names;
  for (const Finding& finding : report.findings) names.push_back(ringcore::finding_kind_name(finding.kind));
  return names;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a balanced ring of even hardware and load has no finding") {
  const RebalanceReport report = analyse(balanced(6, 8, 3, 3));
  CHECK(report.findings.empty());
  REQUIRE(report.datacenters.size() == 1);
  CHECK(report.datacenters[0].dc == "dc1");
  CHECK(report.datacenters[0].nodes == 6);
  CHECK(report.datacenters[0].rf == 3);
  CHECK(report.datacenters[0].ownership_max_over_mean == doctest::Approx(1.0).epsilon(0.001));
  CHECK(report.datacenters[0].load_max_over_mean == doctest::Approx(1.0));
}

TEST_CASE("token distribution: skewed ownership, fixed by adding a node with balanced tokens") {
  ClusterSnapshot snapshot = balanced(6, 1, 1, 1);
  snapshot.nodes[1].tokens = {snapshot.nodes[0].tokens[0] + 1000};  // node 3 now owns two slices
  snapshot.nodes[1].load_bytes = 0;
  snapshot.nodes[2].load_bytes = 200 * kGiB;
  const RebalanceReport report = analyse(snapshot);
  CHECK(kinds(report) == std::vector<std::string>{"token_distribution"});
  const Finding& finding = report.findings.front();
  CHECK(finding.value == doctest::Approx(2.0).epsilon(0.01));
  CHECK(finding.threshold == doctest::Approx(1.2));
  CHECK(finding.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(contains(finding.fix, "`ringctl plan add --dc dc1` predicts"));
  CHECK(contains(finding.fix, "ownership max/mean of"));
}

TEST_CASE("hotspot: even ownership, one node's load far above its share") {
  ClusterSnapshot snapshot = balanced(6, 8, 3, 3);
  snapshot.nodes[4].load_bytes = 180 * kGiB;
  const RebalanceReport report = analyse(snapshot);
  CHECK(kinds(report) == std::vector<std::string>{"hotspot"});
  const Finding& finding = report.findings.front();
  CHECK(finding.nodes == std::vector<std::string>{"10.0.0.5"});
  CHECK(finding.value == doctest::Approx(1.8));
  CHECK(contains(finding.fix, "review the data model"));
}

TEST_CASE("cleanup debt: after a scale-up the old nodes hold more than their ranges, and cleanup frees the rest") {
  ClusterSnapshot snapshot = balanced(4, 8, 1, 1);
  for (int i = 0; i < 3; ++i) snapshot.nodes[i].load_bytes = 300 * kGiB;
  snapshot.nodes[3].load_bytes = 225 * kGiB;  // the new node: its quarter
  const RebalanceReport report = analyse(snapshot);
  CHECK(kinds(report) == std::vector<std::string>{"cleanup_debt"});
  const Finding& finding = report.findings.front();
  CHECK(finding.nodes == std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"});
  REQUIRE(finding.cleanup.size() == 3);
  for (const auto& node : finding.cleanup) {
    CHECK(static_cast<double>(node.bytes) == doctest::Approx(75.0 * kGiB).epsilon(0.001));
  }
  CHECK(finding.value == doctest::Approx(300.0 / 225.0).epsilon(0.001));
  CHECK(contains(finding.fix, "run cleanup on 10.0.0.1, 10.0.0.2, 10.0.0.3"));
  CHECK(contains(finding.fix, "frees about 225.00 GiB"));

  SUBCASE("after cleanup the load matches the ranges: no finding") {
    for (auto& node : snapshot.nodes) node.load_bytes = 225 * kGiB;
    CHECK(analyse(snapshot).findings.empty());
  }
}

TEST_CASE("uneven hardware: node specs differ within a DC") {
  ClusterSnapshot snapshot = balanced(3, 8, 3, 3);
  for (auto& node : snapshot.nodes) node.capacity.cpus = 8;
  snapshot.nodes[1].capacity.cpus = 16;
  snapshot.nodes[2].capacity.disk_total_bytes = 500 * kGiB;  // one node alone: no spread
  const RebalanceReport report = analyse(snapshot);
  CHECK(kinds(report) == std::vector<std::string>{"uneven_hardware"});
  const Finding& finding = report.findings.front();
  CHECK(finding.value == doctest::Approx(2.0));
  CHECK(finding.nodes == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(contains(finding.message, "cpus from 8 (10.0.0.1) to 16 (10.0.0.2)"));
  CHECK(contains(finding.fix, "standardise"));
}

TEST_CASE("rack imbalance: racks of a DC with different node counts under NetworkTopologyStrategy") {
  ClusterSnapshot snapshot = balanced(6, 8, 3, 3);
  snapshot.nodes[5].rack = "r1";  // r1: 3, r2: 2, r3: 1
  const RebalanceReport report = analyse(snapshot);
  REQUIRE_FALSE(report.findings.empty());
  const Finding& finding = report.findings.back();
  CHECK(ringcore::finding_kind_name(finding.kind) == std::string("rack_imbalance"));
  CHECK(finding.value == doctest::Approx(3.0));
  CHECK(finding.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(contains(finding.message, "r1: 3, r2: 2, r3: 1"));
  CHECK(contains(finding.fix, "--rack r3"));

  SUBCASE("SimpleStrategy ignores racks: no rack finding") {
    snapshot.keyspaces = {{"orders", test_support::simple(3)}};
    for (const Finding& f : analyse(snapshot).findings) CHECK(f.kind != FindingKind::kRackImbalance);
  }
}

TEST_CASE("loads scattered both ways are not cleanup debt: only the heavy nodes show, as a hotspot") {
  ClusterSnapshot snapshot = balanced(6, 8, 3, 3);
  snapshot.nodes[0].load_bytes = 60 * kGiB;
  snapshot.nodes[5].load_bytes = 160 * kGiB;
  const RebalanceReport report = analyse(snapshot);
  CHECK(kinds(report) == std::vector<std::string>{"hotspot"});
  CHECK(report.findings.front().nodes == std::vector<std::string>{"10.0.0.6"});
}

TEST_CASE("a long list of nodes is cut short in the message but complete in the finding") {
  ClusterSnapshot snapshot = balanced(24, 4, 1, 1);
  for (int i = 0; i < 22; ++i) snapshot.nodes[i].load_bytes = 130 * kGiB;  // 22 old nodes, 2 fresh at 100
  const RebalanceReport report = analyse(snapshot);
  REQUIRE(kinds(report) == std::vector<std::string>{"cleanup_debt"});
  CHECK(report.findings.front().nodes.size() == 22);
  CHECK(contains(report.findings.front().message, "10.0.0.10 and 12 more in dc1"));
}

TEST_CASE("a keyspace that holds no data does not count in what a node should hold, once nodes report keyspace_loads") {
  // One token each, unevenly spaced: "events" (rf 1, all the data) and "audit" (rf 3, empty)
  // spread the ring differently over the nodes. Each node holds exactly its share of events.
  std::vector<test_support::NodeSpec> specs;
  const std::vector<ringcore::Token> tokens = {-9'000'000'000'000'000'000LL, -8'000'000'000'000'000'000LL,
                                               -7'500'000'000'000'000'000LL, 0,
                                               1'000'000'000'000'000'000LL,  5'000'000'000'000'000'000LL};
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    specs.push_back({"10.0.0." + std::to_string(i + 1), "dc1", "r1", {tokens[i]}});
  }
  ClusterSnapshot snapshot = test_support::ring_of(specs);
  snapshot.keyspaces.push_back({"events", test_support::simple(1)});
  snapshot.keyspaces.push_back({"audit", test_support::simple(3)});
  const ringcore::TokenRing ring(snapshot);
  const ringcore::NodeOwnership events = ringcore::raw_ownership(ring);
  for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
    snapshot.nodes[i].load_bytes = static_cast<std::int64_t>(*events[i] * 600.0 * kGiB);
  }
  auto load_findings = [](const RebalanceReport& report) {
    std::vector<std::string> names = kinds(report);
    std::erase(names, "token_distribution");  // the uneven tokens, true either way
    return names;
  };

  SUBCASE("unreported, both keyspaces count alike, and the loads look uneven") {
    CHECK_FALSE(load_findings(analyse(snapshot)).empty());
  }
  SUBCASE("reported, audit counts for nothing, and every node holds what it should") {
    for (auto& node : snapshot.nodes) node.keyspace_loads = {{"events", *node.load_bytes}, {"audit", 0}};
    CHECK(load_findings(analyse(snapshot)).empty());
  }
}
