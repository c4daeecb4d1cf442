// The schema that nodes agree on through gossip: validation, JSON, versions, and a merge that
// converges whatever order nodes exchange schemas in.
#include "schema.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace {

using ringnode::KeyspaceDef;
using ringnode::Schema;

ringcore::Replication simple(int rf) {
  return ringnode::replication_from_json({{"class", "SimpleStrategy"}, {"replication_factor", rf}}).value_or_throw();
}

Schema schema_of(std::initializer_list<KeyspaceDef> keyspaces) {
  Schema schema;
  for (const KeyspaceDef& keyspace : keyspaces) schema.put(keyspace);
  return schema;
}

}  // namespace

TEST_CASE("replication maps are validated with messages naming the problem") {
  using nlohmann::json;
  CHECK(ringnode::replication_from_json({{"class", "NetworkTopologyStrategy"}, {"dc1", "3"}, {"dc2", 2}}).ok());
  struct Case {
    json replication;
    std::string message;
  };
  const Case cases[] = {
      {json::array(), "'replication' must be an object"},
      {{{"replication_factor", 3}}, "no 'class'"},
      {{{"class", "Foo"}, {"replication_factor", 3}}, "unknown replication class 'Foo'"},
      {{{"class", "LocalStrategy"}}, "LocalStrategy is for system keyspaces"},
      {{{"class", "SimpleStrategy"}}, "no 'replication_factor'"},
      {{{"class", "SimpleStrategy"}, {"replication_factor", "x"}}, "'x' is not a non-negative integer"},
      {{{"class", "SimpleStrategy"}, {"replication_factor", 3}, {"dc1", 1}},
       "SimpleStrategy takes only 'replication_factor'"},
      {{{"class", "SimpleStrategy"}, {"replication_factor", 0}}, "at least one replica"},
      {{{"class", "SimpleStrategy"}, {"replication_factor", 1.5}}, "must be a string or an integer"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.replication.dump());
    auto replication = ringnode::replication_from_json(c.replication);
    REQUIRE_FALSE(replication.ok());
    CHECK(replication.error().message().find(c.message) != std::string::npos);
  }
}

TEST_CASE("keyspace names follow CQL's rules") {
  CHECK(ringnode::validate_keyspace_name("orders_2024").ok());
  CHECK_FALSE(ringnode::validate_keyspace_name("").ok());
  CHECK_FALSE(ringnode::validate_keyspace_name("has-dash").ok());
  CHECK_FALSE(ringnode::validate_keyspace_name(std::string(49, 'a')).ok());
}

TEST_CASE("the JSON form round-trips and equal schemas have equal versions") {
  const Schema schema = schema_of({{"b", simple(3), 20}, {"a", simple(1), 10}});
  auto parsed = Schema::from_json(schema.to_json());
  REQUIRE(parsed.ok());
  CHECK(parsed->to_json() == schema.to_json());
  CHECK(parsed->version() == schema.version());
  CHECK(schema.keyspaces().front().name == "a");  // sorted by name
  CHECK(schema.version() != schema_of({{"a", simple(1), 10}}).version());
  CHECK(schema.version() != schema_of({{"b", simple(2), 20}, {"a", simple(1), 10}}).version());
}

TEST_CASE("bad schema JSON from a peer is refused") {
  CHECK_FALSE(Schema::from_json("not json").ok());
  CHECK_FALSE(Schema::from_json(R"({"keyspaces": [{"name": "a"}]})").ok());
  auto bad = Schema::from_json(
      R"({"keyspaces": [{"name": "a-b", "timestamp_us": 1, "replication": {"class": "SimpleStrategy", "replication_factor": 1}}]})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("keyspaces[0]") != std::string::npos);
}

TEST_CASE("merging keeps each keyspace's latest definition and converges in any order") {
  const Schema a = schema_of({{"orders", simple(3), 10}, {"users", simple(1), 30}});
  const Schema b = schema_of({{"orders", simple(2), 20}, {"logs", simple(1), 5}});
  const Schema c = schema_of({{"users", simple(2), 25}, {"tie", simple(1), 7}});
  const Schema d = schema_of({{"tie", simple(2), 7}});

  Schema abcd = a;
  CHECK(abcd.merge(b));
  abcd.merge(c);
  abcd.merge(d);
  Schema dcba = d;
  dcba.merge(c);
  dcba.merge(b);
  dcba.merge(a);
  CHECK(abcd.version() == dcba.version());
  CHECK(abcd.find("orders")->replication.replication_factor == 2);  // newer
  CHECK(abcd.find("users")->replication.replication_factor == 1);   // newer
  CHECK(abcd.find("logs") != nullptr);
  CHECK(abcd.find("tie") != nullptr);

  Schema again = abcd;
  CHECK_FALSE(again.merge(abcd));  // idempotent
  CHECK(again.version() == abcd.version());
}
