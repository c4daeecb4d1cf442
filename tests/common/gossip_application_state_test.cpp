// Application state names and the TOKENS and LOAD value formats.
#include "ringcore/gossip/application_state.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace gossip = ringcore::gossip;
using gossip::ApplicationState;

TEST_CASE("application states follow Cassandra's enum order, which gossipinfo prints") {
  // nodetool-facts §5.3 lists the 4.1 order without TOKENS, which Cassandra declares after HOST_ID.
  const std::vector<std::string> facts_order = {"STATUS",
                                                "LOAD",
                                                "SCHEMA",
                                                "DC",
                                                "RACK",
                                                "RELEASE_VERSION",
                                                "REMOVAL_COORDINATOR",
                                                "INTERNAL_IP",
                                                "RPC_ADDRESS",
                                                "X_11_PADDING",
                                                "SEVERITY",
                                                "NET_VERSION",
                                                "HOST_ID",
                                                "TOKENS",
                                                "RPC_READY",
                                                "INTERNAL_ADDRESS_AND_PORT",
                                                "NATIVE_ADDRESS_AND_PORT",
                                                "STATUS_WITH_PORT",
                                                "SSTABLE_VERSIONS",
                                                "DISK_USAGE",
                                                "INDEX_STATUS",
                                                "X1",
                                                "X2",
                                                "X3",
                                                "X4",
                                                "X5",
                                                "X6",
                                                "X7",
                                                "X8",
                                                "X9",
                                                "X10"};
  REQUIRE(facts_order.size() == gossip::kApplicationStateCount);
  for (std::size_t i = 0; i < facts_order.size(); ++i) {
    CAPTURE(i);
    CHECK(gossip::application_state_name(static_cast<ApplicationState>(i)) == facts_order[i]);
    CHECK(gossip::parse_application_state(facts_order[i]) == static_cast<ApplicationState>(i));
  }
}

TEST_CASE("state names are matched exactly") {
  CHECK_FALSE(gossip::parse_application_state("status").has_value());
  CHECK_FALSE(gossip::parse_application_state("STATUS ").has_value());
  CHECK_FALSE(gossip::parse_application_state("").has_value());
}

TEST_CASE("TOKENS holds the full token list, ascending, and reads back") {
  const std::vector<ringcore::Token> tokens = {42, ringcore::kMinToken, -7, ringcore::kMaxToken};
  const std::string text = gossip::format_tokens_value(tokens);
  CHECK(text == "-9223372036854775808,-7,42,9223372036854775807");
  CHECK(*gossip::parse_tokens_value(text) ==
        std::vector<ringcore::Token>{ringcore::kMinToken, -7, 42, ringcore::kMaxToken});
  CHECK(gossip::parse_tokens_value("")->empty());
}

TEST_CASE("a malformed TOKENS value names the bad entry") {
  for (const char* bad : {"1,,2", "1,x", ",1", "1,", "1, 2"}) {
    CAPTURE(bad);
    auto parsed = gossip::parse_tokens_value(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message().find("TOKENS entry") != std::string::npos);
  }
  CHECK(gossip::parse_tokens_value("5,x").error().message().find("TOKENS entry 1") != std::string::npos);
}

TEST_CASE("LOAD is printed as Java's Double.toString prints a byte count") {
  CHECK(gossip::format_load_value(0) == "0.0");
  CHECK(gossip::format_load_value(81234) == "81234.0");  // the examples of nodetool-facts §5.3
  CHECK(gossip::format_load_value(12345678) == "1.2345678E7");
  CHECK(gossip::format_load_value(9999999) == "9999999.0");
  CHECK(gossip::format_load_value(10000000) == "1.0E7");
  CHECK(gossip::format_load_value(1.5e12) == "1.5E12");
  CHECK(gossip::format_load_value(100) == "100.0");
}

TEST_CASE("LOAD values read back, and junk is refused") {
  for (double bytes : {0.0, 81234.0, 12345678.0, 1e7, 3.0e12, 123456789012345.0}) {
    CAPTURE(bytes);
    CHECK(*gossip::parse_load_value(gossip::format_load_value(bytes)) == bytes);
  }
  CHECK(*gossip::parse_load_value("4096") == 4096.0);
  for (const char* bad : {"", "-1.0", "abc", "1.0E7x", "inf", "nan", " 1"}) {
    CAPTURE(bad);
    auto parsed = gossip::parse_load_value(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message().find("LOAD") != std::string::npos);
  }
}
