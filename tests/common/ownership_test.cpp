// Raw and effective ownership, and which ownership `status` shows.
#include "ringcore/ownership.h"

#include <doctest/doctest.h>

#include "support/ring_builder.h"

using ringcore::TokenRing;
using test_support::nts;
using test_support::ring_of;
using test_support::simple;

namespace {

constexpr ringcore::Token kQuarter = ringcore::kMaxToken / 2 + 1;  // 2^62: a quarter of the ring

ringcore::ClusterSnapshot four_even_nodes() {
  return ring_of({{"a", "dc1", "r1", {ringcore::kMinToken}},
                  {"b", "dc1", "r1", {ringcore::kMinToken + kQuarter}},
                  {"c", "dc1", "r1", {0}},
                  {"d", "dc1", "r1", {kQuarter}}});
}

ringcore::Keyspace keyspace(std::string name, ringcore::Replication replication) {
  return {std::move(name), std::move(replication)};
}

}  // namespace

TEST_CASE("four evenly spaced tokens own a quarter each") {
  const auto snapshot = four_even_nodes();
  const TokenRing ring(snapshot);
  for (const auto& owns : ringcore::raw_ownership(ring)) CHECK(*owns == doctest::Approx(0.25).epsilon(1e-6));
}

TEST_CASE("a one-token ring owns everything") {
  const auto snapshot = ring_of({{"a", "dc1", "r1", {123}}});
  const TokenRing ring(snapshot);
  CHECK(ringcore::primary_range_shares(ring) == std::vector<float>{1.0f});
}

TEST_CASE("shares are rounded to six decimals like Cassandra's describeOwnership") {
  // One token 1 apart from the next: share 1/(2^64-2) rounds to 0.
  const auto snapshot = ring_of({{"a", "dc1", "r1", {0}}, {"b", "dc1", "r1", {1}}});
  const TokenRing ring(snapshot);
  const auto shares = ringcore::primary_range_shares(ring);
  CHECK(shares[1] == 0.0f);
  CHECK(shares[0] == 1.0f);
}

TEST_CASE("shares agree with Cassandra's BigDecimal arithmetic at the edges and at random") {
  // The reference: ((to - from + R) mod R) * 10^6 / R by plain division, rounded half even.
  const auto reference = [](ringcore::Token from, ringcore::Token to) {
    using Int128 = __int128;
    const Int128 ring = (static_cast<Int128>(1) << 64) - 2;
    Int128 distance = ((static_cast<Int128>(to) - from + ring) % ring + ring) % ring;
    Int128 micros = distance * 1000000 / ring;
    const Int128 remainder = distance * 1000000 % ring;
    if (2 * remainder > ring || (2 * remainder == ring && micros % 2 == 1)) ++micros;
    return static_cast<float>(static_cast<std::int64_t>(micros)) / 1000000.0f;
  };
  std::vector<std::pair<ringcore::Token, ringcore::Token>> pairs = {{ringcore::kMinToken, ringcore::kMaxToken},
                                                                    {ringcore::kMinToken, ringcore::kMaxToken - 1},
                                                                    {ringcore::kMinToken + 1, ringcore::kMaxToken},
                                                                    {-1, 0},
                                                                    {0, 1},
                                                                    {-5, 5}};
  std::uint64_t state = 42;
  for (int i = 0; i < 2000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto a = static_cast<ringcore::Token>(state);
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    pairs.emplace_back(std::min(a, static_cast<ringcore::Token>(state)),
                       std::max(a, static_cast<ringcore::Token>(state)));
  }
  for (const auto& [low, high] : pairs) {
    if (low == high) continue;
    CAPTURE(low);
    CAPTURE(high);
    const auto snapshot = ring_of({{"a", "dc1", "r1", {low}}, {"b", "dc1", "r1", {high}}});
    const auto shares = ringcore::primary_range_shares(TokenRing(snapshot));
    CHECK(shares[1] == reference(low, high));  // the range (low, high]
    CHECK(shares[0] == reference(high, low));  // the wrapping range (high, low]
  }
}

TEST_CASE("effective ownership sums to rf per DC, fewer nodes than rf means 100% each") {
  const auto snapshot = four_even_nodes();
  const TokenRing ring(snapshot);
  auto three = ringcore::ReplicaPlacement::create(ring, simple(3));
  for (const auto& owns : ringcore::effective_ownership(*three)) CHECK(*owns == doctest::Approx(0.75).epsilon(1e-6));
  auto nine = ringcore::ReplicaPlacement::create(ring, simple(9));
  for (const auto& owns : ringcore::effective_ownership(*nine)) CHECK(*owns == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("nodes in DCs a keyspace does not replicate to own 0%, joining nodes own nothing known") {
  auto snapshot = ring_of(
      {{"a", "dc1", "r1", {0}}, {"b", "dc2", "r1", {100}}, {"j", "dc1", "r1", {50}, ringcore::NodeState::kJoining}});
  const TokenRing ring(snapshot);
  auto placement = ringcore::ReplicaPlacement::create(ring, nts({{"dc1", 1}}));
  const auto owns = ringcore::effective_ownership(*placement);
  CHECK(*owns[0] == doctest::Approx(1.0));
  CHECK(*owns[1] == 0.0);
  CHECK_FALSE(owns[2].has_value());
}

TEST_CASE("status ownership: a named keyspace gives its effective ownership") {
  auto snapshot = four_even_nodes();
  snapshot.keyspaces = {keyspace("ks", simple(2))};
  const TokenRing ring(snapshot);
  auto view = ringcore::ownership_view(snapshot, ring, std::string("ks"));
  REQUIRE(view.ok());
  CHECK(view->effective);
  CHECK(view->note.empty());
  CHECK(*view->owns[0] == doctest::Approx(0.5).epsilon(1e-6));
}

TEST_CASE("status ownership: an unknown keyspace is not found, listing the keyspaces") {
  auto snapshot = four_even_nodes();
  snapshot.keyspaces = {keyspace("ks", simple(2))};
  const TokenRing ring(snapshot);
  auto view = ringcore::ownership_view(snapshot, ring, std::string("nope"));
  REQUIRE_FALSE(view.ok());
  CHECK(view.error().code() == ringcore::ErrorCode::kNotFound);
  CHECK(view.error().message().find("'nope'") != std::string::npos);
  CHECK(view.error().message().find("ks") != std::string::npos);
}

TEST_CASE("status ownership without a keyspace follows Cassandra's rules") {
  auto snapshot = four_even_nodes();
  const TokenRing ring(snapshot);

  SUBCASE("user keyspaces with the same settings give effective ownership, system keyspaces ignored") {
    snapshot.keyspaces = {keyspace("system_auth", simple(1)), keyspace("a", simple(3)), keyspace("b", simple(3))};
    auto view = ringcore::ownership_view(snapshot, ring, std::nullopt);
    REQUIRE(view.ok());
    CHECK(view->effective);
    CHECK(*view->owns[0] == doctest::Approx(0.75).epsilon(1e-6));
  }
  SUBCASE("different settings give raw ownership and Cassandra's note") {
    snapshot.keyspaces = {keyspace("a", simple(3)), keyspace("b", simple(2))};
    auto view = ringcore::ownership_view(snapshot, ring, std::nullopt);
    REQUIRE(view.ok());
    CHECK_FALSE(view->effective);
    CHECK(view->note.starts_with("Non-system keyspaces don't have the same replication settings"));
    CHECK(*view->owns[0] == doctest::Approx(0.25).epsilon(1e-6));
  }
  SUBCASE("no user keyspace falls back to system_traces") {
    snapshot.keyspaces = {keyspace("system_traces", simple(2))};
    auto view = ringcore::ownership_view(snapshot, ring, std::nullopt);
    REQUIRE(view.ok());
    CHECK(view->effective);
    CHECK(*view->owns[0] == doctest::Approx(0.5).epsilon(1e-6));
  }
  SUBCASE("no keyspace at all gives the bootstrapping note") {
    auto view = ringcore::ownership_view(snapshot, ring, std::nullopt);
    REQUIRE(view.ok());
    CHECK_FALSE(view->effective);
    CHECK(view->note.find("does not have system_traces yet") != std::string::npos);
  }
  SUBCASE("a LocalStrategy keyspace gives Cassandra's note") {
    snapshot.keyspaces = {keyspace("loc", ringcore::parse_replication({{"class", "LocalStrategy"}}).value())};
    auto view = ringcore::ownership_view(snapshot, ring, std::string("loc"));
    REQUIRE(view.ok());
    CHECK_FALSE(view->effective);
    CHECK(view->note == "Ownership values for keyspaces with LocalStrategy are meaningless");
  }
}
