// ringnode's YAML config: defaults, and every kind of bad config refused with a message that
// names the key.
#include "node_config.h"
#include "support/test_paths.h"

#include <doctest/doctest.h>

#include <string>

namespace {

const std::string kMinimal =
    "cluster_name: lab\n"
    "listen_address: 127.0.0.2\n"
    "seeds: [127.0.0.1]\n"
    "data_directory: /tmp/node2\n";

}  // namespace

TEST_CASE("a minimal config gets the documented defaults") {
  auto config = ringnode::parse_node_config(kMinimal);
  REQUIRE(config.ok());
  CHECK(config->cluster_name == "lab");
  CHECK(config->listen_address == "127.0.0.2");
  CHECK(config->seeds == std::vector<std::string>{"127.0.0.1"});
  CHECK(config->storage_port == 7000);
  CHECK(config->native_port == 9042);
  CHECK(config->dc == "dc1");
  CHECK(config->rack == "rack1");
  CHECK(config->num_tokens == 16);
  CHECK(config->initial_tokens.empty());
  CHECK(config->token_allocation == ringnode::TokenAllocation::kBalanced);
  CHECK(config->allocation_rf == 3);
  CHECK(config->max_value_bytes == 1048576);
}

TEST_CASE("a full config as ringctl lab writes it is read back") {
  auto config = ringnode::parse_node_config(
      "# Written by `ringctl lab up`\n"
      "cluster_name: lab\nlisten_address: 127.0.0.3\nstorage_port: 7001\nnative_port: 9043\n"
      "seeds: [127.0.0.1, 127.0.0.2]\ndc: dc2\nrack: r2\nnum_tokens: 2\n"
      "initial_tokens: [\"5\", \"-9223372036854775807\"]\ntoken_allocation: random\nallocation_rf: 2\n"
      "data_directory: /data/n3\nmax_value_bytes: 100\nphi_convict_threshold: 5.5\n");
  REQUIRE(config.ok());
  CHECK(config->initial_tokens == std::vector<ringcore::Token>{-9223372036854775807LL, 5});  // sorted
  CHECK(config->token_allocation == ringnode::TokenAllocation::kRandom);
  CHECK(config->seeds.size() == 2);
  CHECK(config->max_value_bytes == 100);
  CHECK(config->phi_convict_threshold == doctest::Approx(5.5));
}

TEST_CASE("the shipped example config loads, with the values it shows") {
  auto config = ringnode::load_node_config(test_paths::in_source("labnode/ringnode.example.yaml"));
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  CHECK(config->data_directory == "/var/lib/ringnode/data");
  CHECK(config->max_hints_bytes == 268435456);
}

TEST_CASE("disk_capacity_bytes is optional: unset by default, read when given") {
  CHECK_FALSE(ringnode::parse_node_config(kMinimal)->disk_capacity_bytes.has_value());
  auto config = ringnode::parse_node_config(kMinimal + "disk_capacity_bytes: 67108864\n");
  REQUIRE(config.ok());
  CHECK(config->disk_capacity_bytes == 67108864u);
}

TEST_CASE("compaction_throughput_mib, which holds cleanup, is unlimited by default and read when given") {
  CHECK(ringnode::parse_node_config(kMinimal)->compaction_throughput_mib == 0);
  auto config = ringnode::parse_node_config(kMinimal + "compaction_throughput_mib: 0.5\n");
  REQUIRE(config.ok());
  CHECK(config->compaction_throughput_mib == doctest::Approx(0.5));
}

TEST_CASE("bad configs are refused with a message naming the key") {
  struct Case {
    std::string yaml;
    std::string message;
  };
  const Case cases[] = {
      {"", "must be a YAML map"},
      {"cluster_name: [unclosed\n", "not valid YAML"},
      {kMinimal + "colour: blue\n", "colour: unknown key"},
      {kMinimal + "num_tokens: many\n", "num_tokens: must be an integer in 1..1536, not 'many'"},
      {kMinimal + "num_tokens: 0\n", "num_tokens: must be an integer in 1..1536, not '0'"},
      {kMinimal + "num_tokens: 1537\n", "num_tokens: must be an integer"},
      {kMinimal + "storage_port: 70000\n", "storage_port: must be an integer in 1..65535"},
      {kMinimal + "native_port: 7000\n", "native_port: must differ from storage_port (7000)"},
      {kMinimal + "token_allocation: clever\n", "token_allocation: must be 'balanced' or 'random', not 'clever'"},
      {kMinimal + "allocation_rf: 0\n", "allocation_rf: must be an integer in 1..100"},
      {kMinimal + "max_value_bytes: -1\n", "max_value_bytes: must be an integer"},
      {kMinimal + "dc: [a]\n", "dc: must be a non-empty string, not a list"},
      {kMinimal + "phi_convict_threshold: high\n", "phi_convict_threshold: must be a number"},
      {kMinimal + "compaction_throughput_mib: -1\n", "compaction_throughput_mib: must be a number"},
      {kMinimal + "disk_capacity_bytes: 0\n", "disk_capacity_bytes: must be an integer in 1.."},
      {kMinimal + "disk_capacity_bytes: 1GiB\n", "disk_capacity_bytes: must be an integer"},
      {kMinimal + "num_tokens: 2\ninitial_tokens: [\"1\"]\n", "initial_tokens: lists 1 tokens but num_tokens is 2"},
      {kMinimal + "num_tokens: 2\ninitial_tokens: [\"1\", \"1\"]\n", "initial_tokens: token 1 is listed twice"},
      {kMinimal + "num_tokens: 1\ninitial_tokens: [\"12x\"]\n", "initial_tokens: "},
      {kMinimal + "num_tokens: 1\ninitial_tokens: [\"-9223372036854775808\"]\n", "ring's origin"},
      {"listen_address: 127.0.0.2\nseeds: []\ndata_directory: /d\n", "cluster_name: is required"},
      {"cluster_name: a\nseeds: []\ndata_directory: /d\n", "listen_address: is required"},
      {"cluster_name: a\nlisten_address: 127.0.0.2\ndata_directory: /d\n", "seeds: is required"},
      {"cluster_name: a\nlisten_address: 127.0.0.2\nseeds: []\n", "data_directory: is required"},
      {"cluster_name: a\nlisten_address: localhost\nseeds: []\ndata_directory: /d\n",
       "listen_address: must be an IPv4 address"},
      {"cluster_name: a\nlisten_address: 127.0.0.2\nseeds: [127.0.0.300]\ndata_directory: /d\n",
       "seeds[0]: must be an IPv4 address"},
      {"cluster_name: a\nlisten_address: 127.0.0.2\nseeds: 127.0.0.1\ndata_directory: /d\n",
       "seeds: must be a list of addresses"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.yaml);
    auto config = ringnode::parse_node_config(c.yaml);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().code() == ringcore::ErrorCode::kInvalidInput);
    CHECK(config.error().message().find(c.message) != std::string::npos);
  }
}

TEST_CASE("a missing config file is reported with its path") {
  auto config = ringnode::load_node_config("/nonexistent/ringnode.yaml");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().message().find("/nonexistent/ringnode.yaml") != std::string::npos);
}
