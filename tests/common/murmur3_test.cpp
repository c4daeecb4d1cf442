// Murmur3Partitioner tokens, checked against tokens a real Cassandra driver computed.
#include "ringcore/murmur3.h"

#include <doctest/doctest.h>

#include <cstdio>

#include "support/test_files.h"

using ringcore::token_for_key;
using test_support::from_hex;

TEST_CASE("every golden vector key hashes to the driver's token") {
  const auto vectors = test_support::read_jsonl(test_support::vectors_path("murmur3.jsonl"));
  REQUIRE(vectors.size() > 100);
  for (const auto& v : vectors) {
    CAPTURE(v.dump());
    CHECK(ringcore::format_token(token_for_key(from_hex(v["key_hex"]))) == v["token"].get<std::string>());
  }
}

TEST_CASE("composite keys serialise as length, bytes, 0x00 per component") {
  int composites = 0;
  for (const auto& v : test_support::read_jsonl(test_support::vectors_path("murmur3.jsonl"))) {
    if (!v.contains("components_hex")) continue;
    ++composites;
    std::vector<std::string> parts;
    for (const auto& c : v["components_hex"]) parts.push_back(from_hex(c));
    auto key = ringcore::composite_key(parts);
    REQUIRE(key.ok());
    CHECK(*key == from_hex(v["key_hex"]));
    CHECK(ringcore::format_token(token_for_key(*key)) == v["token"].get<std::string>());
  }
  CHECK(composites > 0);
}

TEST_CASE("published Cassandra tokens, including sign-extended tail bytes") {
  CHECK(token_for_key(from_hex("00000001")) == -4069959284402364209);
  CHECK(token_for_key(from_hex("ffffffff")) == 7297452126230313552);  // textbook Murmur3 differs
  CHECK(token_for_key(from_hex("fefefefefefefefe")) == -8927430733708461935);
  CHECK(token_for_key("123") == -7468325962851647638);
  CHECK(token_for_key("Book Store") == -1595003126634288162);
  CHECK(token_for_key(from_hex("00ff10fa9900ff10fa9900ff10fa9900ff10fa9900ff10fa9900ff10fa9900ff10fa9900ff10fa99"
                               "00ff10fa9900ff10fa99")) == 5837342703291459765);
}

TEST_CASE("the empty key is the ring origin, no other key is") {
  CHECK(token_for_key("") == ringcore::kMinToken);
  CHECK(token_for_key(std::string(1, '\0')) != ringcore::kMinToken);
}

TEST_CASE("a composite component over 65535 bytes is refused with its position") {
  std::vector<std::string> parts = {"a", std::string(70000, 'x')};
  auto key = ringcore::composite_key(parts);
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().message().find("component 2") != std::string::npos);
}

TEST_CASE("a value digest is the 128-bit hash in hex, h1 first") {
  const auto hash = ringcore::murmur3_cassandra("some value");
  char expected[33];
  std::snprintf(expected, sizeof expected, "%016llx%016llx", static_cast<unsigned long long>(hash.h1),
                static_cast<unsigned long long>(hash.h2));
  CHECK(ringcore::value_digest("some value") == expected);
  CHECK(ringcore::value_digest("some value") != ringcore::value_digest("some valuf"));
  CHECK(ringcore::value_digest("").size() == 32);
}
