// Every golden ring: tokens, replicas in the server's order, raw and effective ownership.
#include <doctest/doctest.h>

#include "ringcore/murmur3.h"
#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"
#include "support/test_files.h"

namespace {

constexpr double kTolerancePct = 0.01;  // percentage points

ringcore::ClusterSnapshot load_ring(const std::string& file) {
  auto snapshot = ringcore::parse_snapshot(test_support::read_file(test_support::vectors_path(file)));
  REQUIRE_MESSAGE(snapshot.ok(), file);
  return std::move(snapshot).value();
}

void check_ownership(const ringcore::ClusterSnapshot& snapshot, const ringcore::NodeOwnership& owns,
                     const nlohmann::json& expected_pct) {
  REQUIRE(expected_pct.size() == snapshot.nodes.size());
  for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
    const std::string& address = snapshot.nodes[i].address;
    CAPTURE(address);
    REQUIRE(owns[i].has_value());
    CHECK(std::abs(*owns[i] * 100.0 - expected_pct.at(address).get<double>()) <= kTolerancePct);
  }
}

}  // namespace

TEST_CASE("golden rings: raw ownership, effective ownership and replica order") {
  const auto expectations = test_support::read_jsonl(test_support::vectors_path("ring_expect.jsonl"));
  REQUIRE(expectations.size() >= 12);
  std::size_t keys_checked = 0;
  for (const auto& expect : expectations) {
    const std::string file = expect["ring_file"];
    CAPTURE(file);
    const ringcore::ClusterSnapshot snapshot = load_ring(file);
    const ringcore::TokenRing ring(snapshot);
    check_ownership(snapshot, ringcore::raw_ownership(ring), expect["raw_ownership_pct"]);

    for (const auto& [name, ks_expect] : expect["keyspaces"].items()) {
      CAPTURE(name);
      const ringcore::Keyspace* ks = snapshot.find_keyspace(name);
      REQUIRE(ks != nullptr);
      auto placement = ringcore::ReplicaPlacement::create(ring, ks->replication);
      REQUIRE(placement.ok());
      check_ownership(snapshot, ringcore::effective_ownership(*placement), ks_expect["effective_ownership_pct"]);

      for (const auto& key : ks_expect["keys"]) {
        CAPTURE(key.dump());
        const ringcore::Token token = ringcore::token_for_key(test_support::from_hex(key["key_hex"]));
        CHECK(ringcore::format_token(token) == key["token"].get<std::string>());
        std::vector<std::string> endpoints;
        for (ringcore::NodeIndex n : placement->replicas_for_token(token))
          endpoints.push_back(snapshot.nodes[n].address);
        CHECK(endpoints == key["endpoints"].get<std::vector<std::string>>());
        ++keys_checked;
      }
    }
  }
  CHECK(keys_checked > 1000);
}
