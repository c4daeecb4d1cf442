// Scale plans: plan add (balanced tokens, movement, the seeds' formulas), plan remove (the
// removal constraints as named checks) and plan capacity.
#include "ringcore/scale_plan.h"

#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "support/ring_builder.h"

using ringcore::AddRequest;
using ringcore::CheckStatus;
using ringcore::ClusterSnapshot;
using ringcore::PlanCheck;
using ringcore::PlanVerdict;
using ringcore::ScalePlan;
using ringcore::Token;

namespace {

constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;

// interleaved_specs(n, tokens, racks) with NTS {dc1: rf}, every node `load` bytes.
ClusterSnapshot balanced(int n, int tokens, int racks, int rf, std::int64_t load = 500 * kGiB) {
  ClusterSnapshot snapshot = test_support::ring_of(test_support::interleaved_specs(n, tokens, racks));
  for (auto& node : snapshot.nodes) node.load_bytes = load;
  snapshot.keyspaces.push_back({"orders", test_support::nts({{"dc1", rf}})});
  return snapshot;
}

ScalePlan add(const ClusterSnapshot& snapshot, AddRequest request) {
  auto plan = ringcore::plan_add(snapshot, request);
  REQUIRE_MESSAGE(plan.ok(), plan.error().message());
  return std::move(plan).value();
}

ScalePlan remove(const ClusterSnapshot& snapshot, const std::string& node,
                 const ringcore::ClusterObservations& o = {}) {
  auto plan = ringcore::plan_remove(snapshot, node, o);
  REQUIRE_MESSAGE(plan.ok(), plan.error().message());
  return std::move(plan).value();
}

const PlanCheck& check_named(const ScalePlan& plan, const std::string& name) {
  for (const PlanCheck& check : plan.checks) {
    if (check.name == name) return check;
  }
  FAIL("no check named " << name);
  return plan.checks.front();
}

std::string error_of(const ClusterSnapshot& snapshot, const AddRequest& request) {
  auto plan = ringcore::plan_add(snapshot, request);
  REQUIRE_FALSE(plan.ok());
  return plan.error().message();
}

AddRequest request(const std::function<void(AddRequest&)>& fill) {
  AddRequest r;
  fill(r);
  return r;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the seeds' example: adding 3 nodes to 6 of 500 GiB streams 1000 GiB and leaves 333 GiB each") {
  const ScalePlan plan = add(balanced(6, 16, 3, 3), request([&](AddRequest& r) { r.count = 3; }));
  REQUIRE(plan.formulas.size() == 1);
  const auto& formula = plan.formulas.front();
  CHECK(formula.dc == "dc1");
  CHECK(formula.nodes_before == 6);
  CHECK(formula.nodes_added == 3);
  CHECK(formula.dc_load_bytes == static_cast<std::uint64_t>(3000 * kGiB));
  CHECK(formula.stream_bytes == static_cast<std::uint64_t>(1000 * kGiB));
  CHECK(formula.load_per_node_before_bytes == static_cast<std::uint64_t>(500 * kGiB));
  CHECK(formula.load_per_node_after_bytes == static_cast<std::uint64_t>(1000 * kGiB / 3));
  // Doubling instead: 6 more nodes move half the data and halve each node.
  REQUIRE(plan.doubling.size() == 1);
  CHECK(plan.doubling.front().nodes_added == 6);
  CHECK(plan.doubling.front().stream_bytes == static_cast<std::uint64_t>(1500 * kGiB));
  CHECK(plan.doubling.front().load_per_node_after_bytes == static_cast<std::uint64_t>(250 * kGiB));
  // The real ring's movement, with balanced tokens, is close to the formula.
  CHECK(static_cast<double>(plan.movement.total_bytes) == doctest::Approx(1000.0 * kGiB).epsilon(0.15));
  CHECK(plan.notes.front() == "add the nodes one at a time, each reaching NORMAL before the next starts");
}

TEST_CASE("plan add gives each node balanced tokens, deterministically, and spreads the nodes over the racks") {
  const ClusterSnapshot snapshot = balanced(6, 16, 3, 3);
  const ScalePlan first = add(snapshot, request([&](AddRequest& r) { r.count = 3; }));
  const ScalePlan again = add(snapshot, request([&](AddRequest& r) { r.count = 3; }));
  REQUIRE(first.added.size() == 3);
  std::set<Token> owned;
  for (const auto& node : snapshot.nodes) owned.insert(node.tokens.begin(), node.tokens.end());
  std::set<std::string> racks;
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(first.added[i].tokens == again.added[i].tokens);
    CHECK(first.added[i].tokens.size() == 16);
    CHECK(first.added[i].address == "new-node-" + std::to_string(i + 1));
    for (Token t : first.added[i].tokens) CHECK(owned.insert(t).second);
    racks.insert(first.added[i].rack);
  }
  CHECK(racks == std::set<std::string>{"r1", "r2", "r3"});
  CHECK(check_named(first, "rack_balance").status == CheckStatus::kOk);
  CHECK(first.verdict == PlanVerdict::kGo);

  SUBCASE("per node: load before, in, out, cleanup and after add up") {
    for (const auto& node : first.nodes) {
      CAPTURE(node.address);
      CHECK(node.load_after_bytes + node.cleanup_bytes == node.load_before_bytes + node.receive_bytes);
      if (node.role == "added") {
        CHECK(node.load_before_bytes == 0);
        CHECK(node.receive_bytes > 0);
      } else {
        CHECK(node.cleanup_bytes > 0);
      }
    }
  }
}

TEST_CASE("plan add warns when the additions leave racks uneven, and takes given tokens and addresses") {
  const ClusterSnapshot snapshot = balanced(6, 1, 3, 3);
  const ScalePlan plan = add(snapshot, request([&](AddRequest& r) {
                               r.rack = "r1";
                               r.tokens = {-5, 7};
                               r.addresses = {"10.0.0.9"};
                             }));
  REQUIRE(plan.added.size() == 1);
  CHECK(plan.added.front().address == "10.0.0.9");
  CHECK(plan.added.front().tokens == std::vector<Token>{-5, 7});
  const PlanCheck& racks = check_named(plan, "rack_balance");
  CHECK(racks.status == CheckStatus::kWarn);
  CHECK(contains(racks.message, "r1: 3, r2: 2, r3: 2"));
  CHECK(plan.verdict == PlanVerdict::kWarn);
}

TEST_CASE("disk use after an add is given where the disk totals are known") {
  ClusterSnapshot snapshot = balanced(3, 16, 3, 3);
  snapshot.nodes[0].capacity.disk_total_bytes = 1000 * kGiB;
  const ScalePlan plan = add(snapshot, AddRequest{});
  CHECK(plan.nodes[0].disk_used_after_ratio.has_value());
  CHECK(*plan.nodes[0].disk_used_after_ratio ==
        doctest::Approx(static_cast<double>(plan.nodes[0].load_after_bytes) / (1000.0 * kGiB)));
  CHECK_FALSE(plan.nodes[1].disk_used_after_ratio.has_value());
  CHECK_FALSE(plan.nodes[3].disk_used_after_ratio.has_value());  // the added node
}

TEST_CASE("plan add refuses bad requests, naming what is wrong") {
  ClusterSnapshot snapshot = balanced(3, 4, 3, 3);
  CHECK(error_of(snapshot, request([&](AddRequest& r) { r.count = 0; })) ==
        "the count of nodes to add must be at least 1, not 0");
  CHECK(error_of(snapshot, request([&](AddRequest& r) { r.count = -2; })) ==
        "the count of nodes to add must be at least 1, not -2");
  CHECK(error_of(snapshot, request([&](AddRequest& r) {
                   r.count = 2;
                   r.tokens = {1};
                 })) == "tokens can be given for one node only, not 2");
  CHECK(contains(error_of(snapshot, request([&](AddRequest& r) { r.tokens = {snapshot.nodes[1].tokens[2]}; })),
                 "is already owned by 10.0.0.2"));
  CHECK(error_of(snapshot, request([&](AddRequest& r) { r.dc = "dc9"; })) ==
        "datacenter 'dc9' does not exist (datacenters: dc1)");
  CHECK(error_of(snapshot, request([&](AddRequest& r) { r.num_tokens = 5000; })) ==
        "num_tokens must be within 1..1536, not 5000");
  CHECK(contains(error_of(snapshot, request([&](AddRequest& r) { r.addresses = {"10.0.0.1"}; })),
                 "a node with the address 10.0.0.1 is already in the cluster"));
  snapshot.nodes[2].dc = "dc2";
  CHECK(error_of(snapshot, AddRequest{}) == "the cluster has several datacenters (dc1, dc2): name one with --dc");
}

TEST_CASE("plan remove: rf would not hold in the DC, in Cassandra's words: blocked") {
  const ScalePlan plan = remove(balanced(3, 4, 3, 3), "10.0.0.2");
  const PlanCheck& rf = check_named(plan, "replication_factor");
  CHECK(rf.status == CheckStatus::kCritical);
  CHECK(rf.message ==
        "Not enough live nodes to maintain replication factor in keyspace orders (RF = 3, N = 3). Perform a forceful "
        "decommission to ignore.");
  CHECK(plan.verdict == PlanVerdict::kBlocked);
}

TEST_CASE("plan remove on a cluster that can spare the node: go, with the host id and unknown seeds") {
  const ClusterSnapshot snapshot = balanced(6, 4, 3, 3);
  const ScalePlan plan = remove(snapshot, snapshot.nodes[3].host_id);  // by host id
  REQUIRE(plan.removed.size() == 1);
  CHECK(plan.removed.front().address == "10.0.0.4");
  CHECK(check_named(plan, "replication_factor").status == CheckStatus::kOk);
  CHECK(check_named(plan, "disk_headroom").status == CheckStatus::kUnknown);
  CHECK(check_named(plan, "host_id").message ==
        "removing 10.0.0.4 with host id " + snapshot.nodes[3].host_id + ": confirm it is the node you mean");
  CHECK(check_named(plan, "seed").status == CheckStatus::kUnknown);
  CHECK(plan.verdict == PlanVerdict::kGo);
  std::uint64_t received = 0;
  for (const auto& node : plan.nodes) received += node.receive_bytes;
  CHECK(received == plan.movement.total_bytes);
  CHECK(plan.nodes[3].role == "removed");
  CHECK(plan.nodes[3].load_after_bytes == 0);
}

TEST_CASE("plan remove: disk headroom on receiving nodes warns over 70% and blocks over 80%") {
  ClusterSnapshot snapshot = balanced(6, 4, 3, 3, 600 * kGiB);
  // The fullest receiver after the move, from the plan itself.
  std::uint64_t fullest = 0;
  for (const auto& node : remove(snapshot, "10.0.0.1").nodes) {
    if (node.receive_bytes > 0) fullest = std::max(fullest, node.load_after_bytes);
  }
  REQUIRE(fullest > static_cast<std::uint64_t>(600 * kGiB));
  const auto total_for = [&](double ratio) { return static_cast<std::int64_t>(static_cast<double>(fullest) / ratio); };
  for (auto& node : snapshot.nodes) node.capacity.disk_total_bytes = total_for(0.69);
  CHECK(check_named(remove(snapshot, "10.0.0.1"), "disk_headroom").status == CheckStatus::kOk);
  for (auto& node : snapshot.nodes) node.capacity.disk_total_bytes = total_for(0.75);
  ScalePlan plan = remove(snapshot, "10.0.0.1");
  CHECK(check_named(plan, "disk_headroom").status == CheckStatus::kWarn);
  CHECK(plan.verdict == PlanVerdict::kWarn);
  for (auto& node : snapshot.nodes) node.capacity.disk_total_bytes = total_for(0.81);
  plan = remove(snapshot, "10.0.0.1");
  const PlanCheck& disk = check_named(plan, "disk_headroom");
  CHECK(disk.status == CheckStatus::kCritical);
  CHECK_FALSE(disk.nodes.empty());
  CHECK(contains(disk.message, "(blocked over 80%, warn over 70%)"));
  CHECK(plan.verdict == PlanVerdict::kBlocked);
}

TEST_CASE("plan remove: a node down, another operation, or a seed") {
  ClusterSnapshot snapshot = balanced(6, 4, 3, 3);
  ringcore::ClusterObservations observations;
  observations.seeds = std::vector<std::string>{"10.0.0.1"};
  ScalePlan plan = remove(snapshot, "10.0.0.1", observations);
  CHECK(check_named(plan, "seed").status == CheckStatus::kWarn);
  CHECK(contains(check_named(plan, "seed").message, "10.0.0.1 is a seed"));
  CHECK(check_named(remove(snapshot, "10.0.0.2", observations), "seed").status == CheckStatus::kOk);

  snapshot.nodes[4].status = ringcore::NodeStatus::kDown;
  CHECK(check_named(remove(snapshot, "10.0.0.1"), "nodes_up_normal").status == CheckStatus::kCritical);
  snapshot.nodes[4].status = ringcore::NodeStatus::kUp;
  observations.activity = {{"10.0.0.5", {"repair"}, 0, std::nullopt, std::nullopt}};
  plan = remove(snapshot, "10.0.0.1", observations);
  CHECK(check_named(plan, "streaming_operations").status == CheckStatus::kCritical);
  CHECK(plan.verdict == PlanVerdict::kBlocked);
}

TEST_CASE("plan remove refuses an unknown node and a joining one") {
  ClusterSnapshot snapshot = balanced(4, 4, 2, 2);
  auto unknown = ringcore::plan_remove(snapshot, "10.9.9.9");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code() == ringcore::ErrorCode::kNotFound);
  CHECK(unknown.error().message() == "no node has the address or host id '10.9.9.9'");
  snapshot.nodes[3].state = ringcore::NodeState::kJoining;
  auto joining = ringcore::plan_remove(snapshot, "10.0.0.4");
  REQUIRE_FALSE(joining.ok());
  CHECK(joining.error().message() == "10.0.0.4 is joining: it is not a member of the token ring yet");
}

TEST_CASE("plan capacity: nodes to add per DC so that the fullest node falls under the target") {
  ClusterSnapshot snapshot = balanced(4, 4, 3, 3, 600 * kGiB);
  for (auto& node : snapshot.nodes) node.capacity.disk_total_bytes = 1000 * kGiB;
  snapshot.nodes[1].load_bytes = 750 * kGiB;  // the fullest: 75%
  auto needs = ringcore::plan_capacity(snapshot, 0.5);
  REQUIRE(needs.ok());
  REQUIRE(needs->size() == 1);
  const auto& need = needs->front();
  CHECK(need.nodes == 4);
  CHECK(need.racks == 3);
  CHECK(need.max_disk_ratio == doctest::Approx(0.75));
  CHECK(need.nodes_to_add == 2);  // 4 x 75% / 50% = 6 nodes
  CHECK(need.nodes_to_add_rack_balanced == 3);
  CHECK(need.max_disk_ratio_after == doctest::Approx(0.5));
  CHECK(ringcore::plan_capacity(snapshot, 0.8)->front().nodes_to_add == 0);

  for (auto& node : snapshot.nodes) node.capacity.disk_total_bytes.reset();
  const auto unknown = ringcore::plan_capacity(snapshot, 0.5)->front();
  CHECK_FALSE(unknown.nodes_to_add.has_value());
  CHECK(unknown.unknown.size() == 4);
  CHECK(ringcore::plan_capacity(snapshot, 0).error().message() == "the target disk use must be within 0..100%, not 0%");
}
