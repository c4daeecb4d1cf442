// Network partitions in a lab, made with nftables rules on the lab's own storage port (ringnode's
// internode calls come from each node's listen address, so a rule can name the node): node3 cut
// off both ways, then one way only. While cut: `ringctl health` names the partition from the
// peer-view matrix, QUORUM through node3 fails saying how many replicas answered, QUORUM through
// the others is acknowledged. Healed: gossip converges, the hints held for node3 are replayed,
// and every acknowledged row is on every replica (read at ONE, so no read repair does it).
// Needs root and nft (scripts/install-deps.sh test installs nftables): skipped (77) otherwise,
// except on CI ($CI set), where that is a failure.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ringnet/http_client.h"
#include "ringruntime/wait.h"
#include "support/missing_prerequisite.h"
#include "support/nft_table.h"
#include "support/run_process.h"
#include "support/scratch_lab.h"

namespace {

using nlohmann::json;
using test_support::ProcessResult;
using namespace std::chrono_literals;

// Ports of its own, apart from every other lab test's.
const std::string kStoragePort = "26360";
const int kNativePort = 29360;
const std::string kAgentPort = "7960";

// Drops packets on the lab's storage port only, in a table of the test's own.
class PacketFilter {
 public:
  // Drops what node `from` sends to any node's storage port ("" = from anyone), or what anyone
  // sends to node `to`'s ("" = to anyone).
  void drop(const std::string& from, const std::string& to) {
    std::vector<std::string> rule;
    if (!from.empty()) rule.insert(rule.end(), {"ip", "saddr", from});
    if (!to.empty()) rule.insert(rule.end(), {"ip", "daddr", to});
    rule.insert(rule.end(), {"tcp", "dport", kStoragePort, "drop"});
    table_.add_rule(rule);
  }

 private:
  test_support::NftTable table_{"ringctl_partition_"};
};

json health() {
  const ProcessResult r = test_support::run_process({RINGCTL_BIN, "-o", "json", "health"});
  return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

json check_named(const json& report, const std::string& name) {
  if (!report.is_object() || !report.contains("checks")) return json();
  for (const json& check : report["checks"]) {
    if (check["name"] == name) return check;
  }
  return json();
}

// A QUORUM (or `cl`) write of one row coordinated by `node`.
ringcore::Result<ringnet::HttpResponse> write_through(const std::string& node, const std::string& key,
                                                      const std::string& cl) {
  const ringnet::HttpClient client(node, kNativePort, 15s);
  return client.send(
      {"PUT", "/v1/keyspaces/before/rows/" + key + "?cl=" + cl, "value", "application/octet-stream", {}});
}

}  // namespace

TEST_CASE(
    "a node cut off both ways, then one way: health names the partition, QUORUM says who answered, nothing lost") {
  const test_support::ScratchLab lab(RINGCTL_BIN, "ringctl-partition-test-", "127.0.67.");
  const ProcessResult up = lab.up({"--nodes", "3", "--storage-port", kStoragePort, "--native-port",
                                   std::to_string(kNativePort), "--agent-port", kAgentPort, "--timeout", "120"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  lab.must({"stress", "--rows", "300", "--keyspace", "before", "--cl", "QUORUM"});

  {
    PacketFilter cut;
    cut.drop("127.0.67.3", "");
    cut.drop("", "127.0.67.3");

    json partitions;
    const bool named = ringruntime::wait_until(
        [&] {
          partitions = check_named(health(), "partitions");
          return partitions.is_object() && partitions["status"] == "critical";
        },
        90s, 1s);
    INFO(partitions.dump());
    REQUIRE(named);  // once the failure detectors convict (phi 8: about 18 s)
    CHECK(partitions["message"].get<std::string>().find("127.0.67.1, 127.0.67.2 | 127.0.67.3") != std::string::npos);
    CHECK(test_support::run_process({RINGCTL_BIN, "health"}).exit_code == 5);

    const auto through_cut = write_through("127.0.67.3", "cut-1", "QUORUM");
    REQUIRE(through_cut.ok());
    CHECK(through_cut->status == 503);
    CHECK_MESSAGE(through_cut->body.find("QUORUM needs 2 of 3 replicas, 1 answered") != std::string::npos,
                  through_cut->body);

    // The other side still has a QUORUM; stress asks another coordinator when node3 answers 503.
    const ProcessResult during = lab.lab({"stress", "--rows", "300", "--keyspace", "before", "--cl", "QUORUM"});
    CHECK_MESSAGE(during.exit_code == 0, during.out << during.err);
  }

  // Healed: every node up in every view again (health stays critical for the dropped messages
  // the cut caused, over the agents' 5-minute window, which is right), and the hints held for
  // node3 replayed.
  REQUIRE(ringruntime::wait_until(
      [] {
        const json report = health();
        return check_named(report, "nodes_up_normal")["status"] == "ok" &&
               check_named(report, "partitions")["status"] == "ok";
      },
      90s, 1s));
  CHECK(ringruntime::wait_until(
      [] {
        return test_support::hints_delivered({"127.0.67.1", "127.0.67.2"}, kNativePort);
      },
      60s, 500ms));
  const ProcessResult verify = lab.lab({"verify", "--keyspace", "before", "--cl", "ONE", "-o", "json"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  const json report = json::parse(verify.out, nullptr, false);
  CHECK(report["checked"] == 600);
  CHECK(report["missing"] == 0);
  CHECK(report["under_replicated"] == 0);  // node3 holds what was written while it was cut off

  {  // One way: node3 cannot reach the others, they can reach it.
    PacketFilter one_way;
    one_way.drop("127.0.67.3", "");
    const auto from_node3 = write_through("127.0.67.3", "one-way-1", "QUORUM");
    REQUIRE(from_node3.ok());
    CHECK(from_node3->status == 503);
    CHECK_MESSAGE(from_node3->body.find("1 answered") != std::string::npos, from_node3->body);
    const auto to_node3 = write_through("127.0.67.1", "one-way-2", "ALL");
    REQUIRE(to_node3.ok());
    CHECK_MESSAGE(to_node3->status == 200, to_node3->body);  // every replica, node3 included, acknowledged
  }
}

int main(int argc, char** argv) {
  if (!test_support::nft_usable()) {
    return test_support::missing_prerequisite(std::string("partitions need root and ") + test_support::kNft +
                                              " (scripts/install-deps.sh test installs nftables)");
  }
  doctest::Context context(argc, argv);
  return context.run();
}
