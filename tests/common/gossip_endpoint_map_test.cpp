// EndpointMap and EndpointSet: sorted containers whose cursor lookups must agree with a plain
// search whatever the cursor.
#include "ringcore/gossip/endpoint_map.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include "ringcore/random.h"

namespace gossip = ringcore::gossip;

TEST_CASE("a map keeps entries in address order and finds, replaces and erases them") {
  gossip::EndpointMap<int> map;
  CHECK(map.try_emplace("b", 2).second);
  CHECK(map.try_emplace("a", 1).second);
  CHECK_FALSE(map.try_emplace("a", 9).second);
  map.insert_or_assign("c", 3);
  map.insert_or_assign("c", 4);
  REQUIRE(map.size() == 3);
  CHECK(map.at(0).first == "a");
  CHECK(map.at(2) == std::pair<std::string, int>{"c", 4});
  CHECK(*map.find("a") == 1);
  CHECK(map.find("d") == nullptr);
  CHECK(map.erase("b"));
  CHECK_FALSE(map.erase("b"));
  map.erase_if([](const auto& entry) { return entry.second > 3; });
  CHECK(map.size() == 1);
}

TEST_CASE("cursor lookups agree with a plain search, whatever the cursor and the order of keys") {
  ringcore::SplitMix64 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    gossip::EndpointMap<int> map;
    gossip::EndpointSet set;
    std::map<std::string, int> reference;
    const std::size_t n = rng.next_below(40);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string key = "10.0.0." + std::to_string(rng.next_below(60));
      map.try_emplace(key, static_cast<int>(i));
      set.insert(key);
      reference.try_emplace(key, static_cast<int>(i));
    }
    std::size_t map_cursor = rng.next_below(50);
    std::size_t set_cursor = rng.next_below(50);
    for (int q = 0; q < 30; ++q) {
      const std::string key = "10.0.0." + std::to_string(rng.next_below(60));
      CAPTURE(key);
      auto expected = reference.find(key);
      const int* found = map.find(key, map_cursor);
      CHECK((found == nullptr) == (expected == reference.end()));
      if (found != nullptr) CHECK(*found == expected->second);
      CHECK(set.contains(key, set_cursor) == (expected != reference.end()));
      if (rng.next_below(4) == 0) map_cursor = rng.next_below(50);  // any cursor is safe
    }
  }
}

TEST_CASE("a set inserts once and erases what it holds") {
  gossip::EndpointSet set;
  CHECK(set.insert("b"));
  CHECK(set.insert("a"));
  CHECK_FALSE(set.insert("b"));
  CHECK(set.items() == std::vector<std::string>{"a", "b"});
  CHECK(set.erase("a"));
  CHECK_FALSE(set.erase("a"));
  CHECK_FALSE(set.contains("a"));
  CHECK(set.contains("b"));
}
