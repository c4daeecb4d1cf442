// Movement planning: what moves where, and roughly how many bytes, when nodes join or leave.
#include "ringcore/movement.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ringcore/placement.h"
#include "ringcore/random.h"
#include "ringcore/ring.h"
#include "support/ring_builder.h"
#include "support/test_files.h"

using ringcore::ClusterSnapshot;
using ringcore::MovementPlan;
using ringcore::Node;
using ringcore::Removal;
using ringcore::Token;
using ringcore::TopologyChange;
using test_support::nts;
using test_support::ring_of;
using test_support::simple;

namespace {

using Lines = std::vector<std::string>;

Node new_node(const std::string& address, const std::string& dc, const std::string& rack, std::vector<Token> tokens) {
  Node node;
  node.address = address;
  node.host_id = "11111111-0000-4000-8000-" + std::string(12 - std::min<std::size_t>(12, address.size()), '0') +
                 address.substr(0, 12);
  node.dc = dc;
  node.rack = rack;
  node.tokens = std::move(tokens);
  return node;
}

void add_keyspace(ClusterSnapshot& snapshot, const std::string& name, const ringcore::Replication& replication) {
  snapshot.keyspaces.push_back({name, replication});
}

MovementPlan plan_of(const ClusterSnapshot& before, const TopologyChange& change) {
  auto plan = ringcore::plan_movement(before, change);
  REQUIRE_MESSAGE(plan.ok(), plan.error().message());
  return std::move(plan).value();
}

// "ks (left,right] source->target", in plan order.
Lines move_lines(const MovementPlan& plan) {
  Lines lines;
  for (const auto& move : plan.moves) {
    lines.push_back(move.keyspace + " " + ringcore::format_range(move.range) + " " + move.source + "->" + move.target);
  }
  return lines;
}

Lines loss_lines(const MovementPlan& plan) {
  Lines lines;
  for (const auto& loss : plan.losses) {
    lines.push_back(loss.keyspace + " " + ringcore::format_range(loss.range) + " " + loss.node);
  }
  return lines;
}

const ringcore::NodeMovement& totals_of(const MovementPlan& plan, const std::string& address) {
  auto it = std::find_if(plan.nodes.begin(), plan.nodes.end(), [&](const auto& n) { return n.address == address; });
  REQUIRE(it != plan.nodes.end());
  return *it;
}

// n tokens spread evenly over the whole ring, the first at the ring's origin + step.
std::vector<Token> evenly_spaced(int n) {
  std::vector<Token> tokens;
  const std::uint64_t step = static_cast<std::uint64_t>(-1) / static_cast<std::uint64_t>(n) + 1;
  for (int i = 0; i < n; ++i) {
    tokens.push_back(static_cast<Token>(static_cast<std::uint64_t>(ringcore::kMinToken) + step * (i + 1)));
  }
  return tokens;
}

std::string dc_of(const ClusterSnapshot& snapshot, const std::string& address) {
  for (const Node& node : snapshot.nodes) {
    if (node.address == address) return node.dc;
  }
  return "?";
}

}  // namespace

TEST_CASE("a fourth node in a three node RF 3 ring takes each piece from the replica that loses it") {
  auto before = ring_of({{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}, {"c", "dc1", "r1", {300}}});
  add_keyspace(before, "ks", simple(3));
  const auto plan = plan_of(before, {{new_node("d", "dc1", "r1", {150})}, {}});

  // After: (300,100] a,d,b  (100,150] d,b,c  (150,200] b,c,a  (200,300] c,a,d.
  CHECK(move_lines(plan) == Lines{"ks (300,100] c->d", "ks (100,150] a->d", "ks (200,300] b->d"});
  CHECK(loss_lines(plan) == Lines{"ks (300,100] c", "ks (100,150] a", "ks (200,300] b"});
  CHECK(plan.refusals.empty());
  CHECK(totals_of(plan, "d").bytes_out == 0);
  CHECK(totals_of(plan, "d").load_before == 0);
  CHECK(totals_of(plan, "d").bytes_in == plan.total_bytes);
  CHECK(plan.unsourced_bytes == 0);
  CHECK(plan.after.nodes.size() == 4);
  CHECK(plan.after.nodes.back().state == ringcore::NodeState::kNormal);
}

TEST_CASE("decommission streams each of the leaving node's ranges to the node that gains it") {
  auto before = ring_of(
      {{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}, {"c", "dc1", "r1", {300}}, {"d", "dc1", "r1", {400}}});
  add_keyspace(before, "ks", simple(2));
  const auto plan = plan_of(before, {{}, {"b"}, Removal::kDecommission});

  // Before: (400,100] a,b  (100,200] b,c.  After: (400,100] a,c  (100,300] c,d.
  CHECK(move_lines(plan) == Lines{"ks (400,100] b->c", "ks (100,200] b->d"});
  CHECK(plan.losses.empty());  // the leaving node is not listed; nobody else loses anything
  // b holds exactly these two ranges, so it sends all of its load (up to rounding per move).
  const auto& b = totals_of(plan, "b");
  CHECK(b.load_before == 2048);
  CHECK(b.bytes_out >= 2047);
  CHECK(b.bytes_out <= 2049);
  CHECK(b.load_after == 0);
  CHECK(totals_of(plan, "c").bytes_in + totals_of(plan, "d").bytes_in == plan.total_bytes);
}

TEST_CASE("removenode restores the replica count from surviving replicas") {
  auto before = ring_of(
      {{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}, {"c", "dc1", "r1", {300}}, {"d", "dc1", "r1", {400}}});
  add_keyspace(before, "ks", simple(2));
  const auto plan = plan_of(before, {{}, {"b"}, Removal::kRemoveNode});
  CHECK(move_lines(plan) == Lines{"ks (400,100] a->c", "ks (100,200] c->d"});
  CHECK(totals_of(plan, "b").bytes_out == 0);
}

TEST_CASE("removenode at RF 1 lists the lost ranges without a source") {
  auto before = ring_of({{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}, {"c", "dc1", "r1", {300}}});
  add_keyspace(before, "ks", simple(1));
  const auto plan = plan_of(before, {{}, {"b"}, Removal::kRemoveNode});
  CHECK(move_lines(plan) == Lines{"ks (100,200] ->c"});
  CHECK(plan.total_bytes > 0);
  CHECK(plan.unsourced_bytes == plan.total_bytes);
}

TEST_CASE("on a two DC NetworkTopologyStrategy ring only the changed node's DC moves data") {
  auto before = ring_of({{"a1", "dc1", "r1", {-900}},
                         {"b1", "dc2", "r1", {-700}},
                         {"a2", "dc1", "r1", {-300}},
                         {"b2", "dc2", "r1", {-100}},
                         {"a3", "dc1", "r1", {300}},
                         {"b3", "dc2", "r1", {700}}});
  add_keyspace(before, "ks", nts({{"dc1", 2}, {"dc2", 2}}));

  SUBCASE("bootstrap in dc1") {
    const auto plan = plan_of(before, {{new_node("a4", "dc1", "r1", {0})}, {}});
    REQUIRE_FALSE(plan.moves.empty());
    for (const auto& move : plan.moves) {
      CHECK(move.target == "a4");
      CHECK(dc_of(before, move.source) == "dc1");
    }
    for (const auto& loss : plan.losses) CHECK(dc_of(before, loss.node) == "dc1");
    for (const std::string dc2 : {"b1", "b2", "b3"}) {
      CHECK(totals_of(plan, dc2).bytes_in == 0);
      CHECK(totals_of(plan, dc2).bytes_out == 0);
      CHECK(totals_of(plan, dc2).bytes_dropped == 0);
    }
  }
  SUBCASE("decommission in dc2") {
    const auto plan = plan_of(before, {{}, {"b2"}});
    REQUIRE_FALSE(plan.moves.empty());
    for (const auto& move : plan.moves) {
      CHECK(move.source == "b2");
      CHECK(dc_of(before, move.target) == "dc2");
    }
    CHECK(plan.losses.empty());
    CHECK(plan.refusals.empty());  // dc2 keeps 2 nodes for rf 2
  }
}

TEST_CASE("adding k nodes to N balanced nodes streams data times RF times k over N plus k") {
  // The capacity rule: data to stream = total data × RF × k / (N + k); each node then holds
  // its old load × N / (N + k). Doubling keeps evenly spaced tokens evenly spaced.
  const double data = 3.0e12;
  for (int n : {2, 3, 4, 6}) {
    for (int rf : {1, 2, 3}) {
      if (rf > n) continue;
      CAPTURE(n);
      CAPTURE(rf);
      const auto tokens = evenly_spaced(2 * n);
      std::vector<test_support::NodeSpec> specs;
      for (int i = 0; i < n; ++i) specs.push_back({"old" + std::to_string(i), "dc1", "r1", {tokens[2 * i]}});
      auto before = ring_of(specs);
      for (Node& node : before.nodes) node.load_bytes = static_cast<std::int64_t>(data * rf / n);
      add_keyspace(before, "ks", simple(rf));
      TopologyChange change;
      for (int i = 0; i < n; ++i)
        change.added.push_back(new_node("new" + std::to_string(i), "dc1", "r1", {tokens[2 * i + 1]}));

      const auto plan = plan_of(before, change);
      const int k = n;
      CHECK(static_cast<double>(plan.total_bytes) == doctest::Approx(data * rf * k / (n + k)).epsilon(1e-6));
      for (const auto& node : plan.nodes) {
        CHECK(static_cast<double>(node.load_after) == doctest::Approx(data * rf / (n + k)).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("with fewer nodes than RF a new node copies the whole ring and nobody loses anything") {
  auto before = ring_of({{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}});
  before.nodes[0].load_bytes = 5000;
  before.nodes[1].load_bytes = 5000;
  add_keyspace(before, "ks", simple(3));
  const auto plan = plan_of(before, {{new_node("c", "dc1", "r1", {300})}, {}});
  CHECK(plan.losses.empty());
  std::set<std::string> targets;
  for (const auto& move : plan.moves) {
    targets.insert(move.target);
    CHECK((move.source == "a" || move.source == "b"));
  }
  CHECK(targets == std::set<std::string>{"c"});
  CHECK(plan.total_bytes >= 4998);
  CHECK(plan.total_bytes <= 5002);
}

TEST_CASE("a removal leaving fewer nodes than RF is reported as a refusal with Cassandra's message") {
  auto before = ring_of(
      {{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}, {"c", "dc1", "r1", {300}}, {"x", "dc2", "r1", {400}}});
  add_keyspace(before, "simple3", simple(3));
  add_keyspace(before, "simple4", simple(4));
  add_keyspace(before, "by_dc", nts({{"dc1", 3}, {"dc2", 1}}));
  const auto plan = plan_of(before, {{}, {"a"}});
  REQUIRE(plan.refusals.size() == 2);
  CHECK(plan.refusals[0].keyspace == "simple4");
  CHECK(plan.refusals[0].dc.empty());
  CHECK(plan.refusals[0].nodes_before == 4);
  CHECK(plan.refusals[0].nodes_after == 3);
  CHECK(plan.refusals[1].keyspace == "by_dc");
  CHECK(plan.refusals[1].dc == "dc1");
  CHECK(plan.refusals[1].rf == 3);
  CHECK(plan.refusals[1].message ==
        "Not enough live nodes to maintain replication factor in keyspace by_dc (RF = 3, N = 3). "
        "Perform a forceful decommission to ignore.");
  CHECK_FALSE(plan.moves.empty());  // the plan is still computed
}

TEST_CASE("LocalStrategy keyspaces are skipped") {
  auto before = ring_of({{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}});
  ringcore::Replication local;
  local.kind = ringcore::StrategyKind::kLocal;
  add_keyspace(before, "system", local);
  add_keyspace(before, "ks", simple(1));
  const auto plan = plan_of(before, {{new_node("c", "dc1", "r1", {150})}, {}});
  REQUIRE_FALSE(plan.moves.empty());
  for (const auto& move : plan.moves) CHECK(move.keyspace == "ks");
}

TEST_CASE("a node without a known load is costed at the mean density of the others") {
  auto before = ring_of({{"a", "dc1", "r1", {evenly_spaced(2)[0]}}, {"b", "dc1", "r1", {evenly_spaced(2)[1]}}});
  before.nodes[0].load_bytes = 1000;
  before.nodes[1].load_bytes.reset();
  add_keyspace(before, "ks", simple(1));
  const auto plan = plan_of(before, {{}, {"b"}});
  CHECK(totals_of(plan, "b").load_before == 1000);
  CHECK(plan.total_bytes == 1000);
}

TEST_CASE("a joining node of the snapshot can be the node that is added") {
  auto before = ring_of(
      {{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}, {"j", "dc1", "r1", {150}, ringcore::NodeState::kJoining}});
  add_keyspace(before, "ks", simple(1));
  const auto plan = plan_of(before, {{new_node("j", "dc1", "r1", {150})}, {}});
  CHECK(move_lines(plan) == Lines{"ks (100,150] b->j"});
  CHECK(plan.after.nodes.size() == 3);
  CHECK(plan.after.nodes[2].state == ringcore::NodeState::kNormal);
}

TEST_CASE("invalid changes are refused with a message naming the node and what is wrong") {
  auto before = ring_of(
      {{"a", "dc1", "r1", {100}}, {"b", "dc1", "r1", {200}}, {"j", "dc1", "r1", {150}, ringcore::NodeState::kJoining}});
  add_keyspace(before, "ks", simple(1));
  auto error_of = [&](const TopologyChange& change) {
    auto plan = ringcore::plan_movement(before, change);
    REQUIRE_FALSE(plan.ok());
    return plan.error();
  };

  auto unknown = error_of({{}, {"z"}});
  CHECK(unknown.code() == ringcore::ErrorCode::kNotFound);
  CHECK(unknown.message() == "removed[0] (z): no node with this address");
  CHECK(error_of({{}, {"a", "a"}}).message() == "removed[1] (a): address given twice");
  CHECK(error_of({{}, {"j"}}).message() == "removed[0] (j): node is joining, not a member of the token ring");
  CHECK(error_of({{new_node("a", "dc1", "r1", {300})}, {}}).message() ==
        "added[0] (a): a node with this address exists and is normal");
  CHECK(error_of({{new_node("c", "dc1", "r1", {200})}, {}}).message() ==
        "added[0] (c): token 200 is already owned by b");
  CHECK(error_of({{new_node("c", "dc1", "r1", {150})}, {}}).message() ==
        "added[0] (c): token 150 is already owned by j");
  CHECK(error_of({{new_node("c", "dc1", "r1", {300, 300})}, {}}).message() ==
        "added[0] (c): token 300 is already owned by this node (given twice)");
  CHECK(error_of({{new_node("c", "dc1", "r1", {300}), new_node("c", "dc1", "r1", {400})}, {}}).message() ==
        "added[1] (c): address given twice");
  CHECK(error_of({{new_node("c", "dc1", "r1", {})}, {}}).message() == "added[0] (c): no tokens");
  CHECK(error_of({{new_node("c", "", "r1", {300})}, {}}).message() == "added[0] (c): dc is empty");
  CHECK(error_of({{new_node("a", "dc1", "r1", {300})}, {"a"}}).message() == "added[0] (a): address is also removed");
  CHECK(error_of({{new_node("c", "dc1", "r1", {300})}, {"c"}}).code() == ringcore::ErrorCode::kNotFound);
}

// Property: on the golden rings, for random joins and leaves, replicas before + move targets -
// losses - removed nodes = replicas after, at every cut token and at random tokens; every source
// is a current replica that may send; no (keyspace, piece, target) is listed twice.
TEST_CASE("applying a plan's gains and losses to the replicas before gives the replicas after") {
  ringcore::SplitMix64 random(20261122);
  for (int file = 0; file < 12; ++file) {
    const std::string name = "rings/ring" + std::string(file < 10 ? "0" : "") + std::to_string(file) + ".json";
    CAPTURE(name);
    auto parsed = ringcore::parse_snapshot(test_support::read_file(test_support::vectors_path(name)));
    REQUIRE(parsed.ok());
    const ClusterSnapshot before = parsed.value();
    std::set<Token> taken;
    for (const Node& node : before.nodes) taken.insert(node.tokens.begin(), node.tokens.end());

    for (int trial = 0; trial < 3; ++trial) {
      TopologyChange change;
      change.removal = random.next_below(2) == 0 ? Removal::kDecommission : Removal::kRemoveNode;
      const std::size_t removals = random.next_below(3);
      for (std::size_t r = 0; r < removals; ++r) {
        const std::string& address = before.nodes[random.next_below(before.nodes.size())].address;
        if (std::count(change.removed.begin(), change.removed.end(), address) == 0) change.removed.push_back(address);
      }
      const std::size_t additions = (removals == 0 ? 1 : 0) + random.next_below(3);
      for (std::size_t a = 0; a < additions; ++a) {
        const Node& model = before.nodes[random.next_below(before.nodes.size())];
        std::vector<Token> tokens;
        while (tokens.size() < model.tokens.size()) {
          const auto t = static_cast<Token>(random.next_u64());
          if (t != ringcore::kMinToken && taken.insert(t).second) tokens.push_back(t);
        }
        std::sort(tokens.begin(), tokens.end());
        change.added.push_back(new_node("10.99.0." + std::to_string(trial * 10 + a), model.dc, model.rack, tokens));
      }
      CAPTURE(trial);
      const auto plan = plan_of(before, change);
      const std::set<std::string> removed(change.removed.begin(), change.removed.end());

      const ringcore::TokenRing ring_before(before);
      const ringcore::TokenRing ring_after(plan.after);
      std::vector<Token> probes = ring_before.tokens();
      probes.insert(probes.end(), ring_after.tokens().begin(), ring_after.tokens().end());
      for (int p = 0; p < 200; ++p) probes.push_back(static_cast<Token>(random.next_u64()));

      for (const auto& keyspace : before.keyspaces) {
        CAPTURE(keyspace.name);
        auto placement_before = ringcore::ReplicaPlacement::create(ring_before, keyspace.replication);
        auto placement_after = ringcore::ReplicaPlacement::create(ring_after, keyspace.replication);
        REQUIRE(placement_before.ok());
        REQUIRE(placement_after.ok());
        std::vector<const ringcore::RangeMove*> moves;
        for (const auto& move : plan.moves) {
          if (move.keyspace == keyspace.name) moves.push_back(&move);
        }
        std::vector<const ringcore::RangeLoss*> losses;
        for (const auto& loss : plan.losses) {
          if (loss.keyspace == keyspace.name) losses.push_back(&loss);
        }
        for (Token probe : probes) {
          if (probe == ringcore::kMinToken) continue;
          std::set<std::string> expected, applied;
          for (auto node : placement_after->replicas_for_token(probe)) expected.insert(plan.after.nodes[node].address);
          for (auto node : placement_before->replicas_for_token(probe)) applied.insert(before.nodes[node].address);
          const std::set<std::string> current = applied;
          for (const auto* move : moves) {
            if (!move->range.contains(probe)) continue;
            CHECK_MESSAGE(applied.insert(move->target).second, "target listed twice or already a replica");
            if (move->source.empty()) continue;
            CHECK(current.count(move->source) == 1);
            CHECK_FALSE((change.removal == Removal::kRemoveNode && removed.count(move->source) == 1));
          }
          for (const auto* loss : losses) {
            if (loss->range.contains(probe)) CHECK(applied.erase(loss->node) == 1);
          }
          for (const auto& address : removed) applied.erase(address);
          CHECK(applied == expected);
        }
      }
    }
  }
}
