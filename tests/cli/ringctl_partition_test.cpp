// Network partitions in labs, made with nftables rules on each lab's own storage port (ringnode's
// internode calls come from each node's listen address, so a rule can name the node). Each case
// runs a QUORUM writer (`lab stress`) through the cut and ends with every node up in every view,
// every hint delivered and `lab verify` finding every acknowledged row on every replica (read at
// ONE, so no read repair does it).
// - node3 of 3 cut off both ways: `ringctl health` names the partition from the peer-view matrix,
//   QUORUM through node3 fails saying how many replicas answered, QUORUM through the others is
//   acknowledged; healed, the hints held for node3 are replayed.
// - then node3 cut off one way (its own sends dropped): the peers' gossip with node3 still
//   carries both sides' heartbeats (node3 answers in the same connection), so every view sees
//   every node up and the partitions check stays ok; the cut shows as node3's QUORUM writes
//   failing with 1 answered after the 2 s internode timeout (health's write_latency_p99 names
//   node3) and as the hints node3 holds for the peers it cannot reach, which health's
//   one_way_partitions check names; healed, that check is ok again.
// - 4 nodes split 2|2: the partitions check names both groups; every write is acknowledged or
//   fails saying how many replicas answered (each key has 2 replicas on one side).
// - node3's storage-port traffic delayed 50 ms each way (no sch_netem here: nftables redirects it
//   to a delaying proxy in the test, support/delay_proxy.h): QUORUM writes are all acknowledged,
//   those node3 coordinates at least 100 ms late, none timed out or kept a hint.
// Needs root and nft (scripts/install-deps.sh test installs nftables): skipped (77) otherwise,
// except on CI ($CI set), where that is a failure. Without ss (iproute2) the delay test alone is
// skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringnet/http_client.h"
#include "ringruntime/wait.h"
#include "support/background_process.h"
#include "support/delay_proxy.h"
#include "support/health_checks.h"
#include "support/missing_prerequisite.h"
#include "support/nft_table.h"
#include "support/run_process.h"
#include "support/scratch_lab.h"
#include "support/test_files.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using test_support::find_check;
using test_support::ProcessResult;
using namespace std::chrono_literals;

// Each lab's block and ports, apart from every other lab test's.
struct LabAddresses {
  std::string ip_prefix;
  std::string storage_port;
  int native_port;
  std::string agent_port;
};
const LabAddresses kNodeCutLab{"127.0.67.", "26360", 29360, "7960"};
const LabAddresses kSplitLab{"127.0.101.", "27360", 28360, "8360"};
const LabAddresses kDelayLab{"127.0.102.", "27460", 28460, "8460"};

class PartitionLab : public test_support::ScratchLab {
 public:
  explicit PartitionLab(const LabAddresses& where)
      : ScratchLab(RINGCTL_BIN, "ringctl-partition-test-", where.ip_prefix), where_(where) {}

  void up(int nodes) {
    const ProcessResult r =
        ScratchLab::up({"--nodes", std::to_string(nodes), "--storage-port", where_.storage_port, "--native-port",
                        std::to_string(where_.native_port), "--agent-port", where_.agent_port, "--timeout", "120"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    for (int n = 1; n <= nodes; ++n) nodes_.push_back(address(n));
  }
  const std::vector<std::string>& nodes() const { return nodes_; }
  const std::string& storage_port() const { return where_.storage_port; }

  // A write of one row at `cl` coordinated by `node`.
  ringcore::Result<ringnet::HttpResponse> write_through(const std::string& node, const std::string& keyspace,
                                                        const std::string& key, const std::string& cl) const {
    const ringnet::HttpClient client(node, where_.native_port, 15s);
    return client.send(
        {"PUT", "/v1/keyspaces/" + keyspace + "/rows/" + key + "?cl=" + cl, "value", "application/octet-stream", {}});
  }

  // A `lab stress` at QUORUM running beside the test, 8 threads: a write through a coordinator
  // that waits out the 2 s internode timeout holds one thread only.
  test_support::Background writer(const std::string& keyspace, int rows) const {
    return test_support::Background(command({"stress", "-o", "json", "--keyspace", keyspace, "--cl", "QUORUM", "--rows",
                                             std::to_string(rows), "--threads", "8"}));
  }

  // Healed: every node up in every view and no partition (health stays critical for the dropped
  // messages a cut caused, over the agents' 5-minute window, which is right), then every hint
  // delivered and none dropped.
  void wait_until_healed() const;

  // Whether every replica of `key` holds `value`, asked through node1.
  bool on_every_replica(const std::string& keyspace, const std::string& key, const std::string& value) const {
    const auto copies = ringnet::HttpClient(address(1), where_.native_port, 5s)
                            .get("/v1/keyspaces/" + keyspace + "/rows/" + key + "/replicas");
    if (!copies || copies->status != 200) return false;
    const json listed = json::parse(copies->body, nullptr, false);
    if (!listed.is_array() || listed.empty()) return false;
    for (const json& copy : listed) {
      if (copy.value("digest", "") != ringcore::value_digest(value)) return false;
    }
    return true;
  }

  // Hints each node has kept so far (pending, delivered or dropped), by node.
  json hints_made() const {
    json made = json::object();
    for (const std::string& node : nodes_) {
      const json hints = test_support::call(node, where_.native_port, "GET", "/v1/node").body["hints"];
      made[node] = hints.value("pending", -1) + hints.value("delivered", -1) + hints.value("dropped", -1);
    }
    return made;
  }

  // The WARN lines of every node's log, for a failure's message.
  std::string warnings() const {
    std::string lines;
    for (std::size_t n = 1; n <= nodes_.size(); ++n) {
      std::istringstream log(test_support::read_file(directory() + "/node" + std::to_string(n) + "/ringnode.log"));
      for (std::string line; std::getline(log, line);) {
        if (line.find(" WARN ") != std::string::npos) lines += "node" + std::to_string(n) + ": " + line + "\n";
      }
    }
    return lines;
  }

 private:
  LabAddresses where_;
  std::vector<std::string> nodes_;
};

// Drops packets on a lab's storage port only, in a table of the test's own.
class PacketFilter {
 public:
  explicit PacketFilter(std::string port) : port_(std::move(port)) {}
  // Drops what node `from` sends to any node's storage port ("" = from anyone), or what anyone
  // sends to node `to`'s ("" = to anyone).
  void drop(const std::string& from, const std::string& to) {
    std::vector<std::string> rule;
    if (!from.empty()) rule.insert(rule.end(), {"ip", "saddr", from});
    if (!to.empty()) rule.insert(rule.end(), {"ip", "daddr", to});
    rule.insert(rule.end(), {"tcp", "dport", port_, "drop"});
    table_.add_rule(rule);
  }
  // Cuts every node of `side` from every node of `other`, both ways.
  void split(const std::vector<std::string>& side, const std::vector<std::string>& other) {
    for (const std::string& a : side) {
      for (const std::string& b : other) {
        drop(a, b);
        drop(b, a);
      }
    }
  }

 private:
  std::string port_;
  test_support::NftTable table_{"ringctl_partition_"};
};

json health() {
  const ProcessResult r = test_support::run_process({RINGCTL_BIN, "-o", "json", "health"});
  return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
}

// Waits (up to 90 s) until health's check `name` has `status`; returns the check as last seen.
json wait_for_check(const std::string& name, const std::string& status, const std::string& naming = "") {
  json check;
  const bool reached = ringruntime::wait_until(
      [&] {
        check = find_check(health(), name);
        return check.is_object() && check["status"] == status &&
               (naming.empty() ||
                check.value("nodes", json::array()).dump().find('"' + naming + '"') != std::string::npos);
      },
      90s, 1s);
  INFO(check.dump());
  CHECK(reached);
  return check;
}

void PartitionLab::wait_until_healed() const {
  REQUIRE(ringruntime::wait_until(
      [] {
        const json report = health();
        return find_check(report, "nodes_up_normal")["status"] == "ok" &&
               find_check(report, "partitions")["status"] == "ok";
      },
      90s, 1s));
  const std::vector<std::string>& all = nodes_;
  CHECK(ringruntime::wait_until([&] { return test_support::hints_delivered(all, where_.native_port); }, 60s, 500ms));
  // Delivered, not dropped: no cut outlasts the hint window and no replica left the ring.
  for (const std::string& node : all) {
    const nlohmann::json hints = test_support::call(node, where_.native_port, "GET", "/v1/node").body["hints"];
    INFO(node << " hints: " << hints.dump());
    CHECK(hints.value("dropped", -1) == 0);
  }
}

// The writer's report once it has ended: every write either acknowledged or failed saying how
// many replicas answered.
json writer_report(test_support::Background& writer, int rows) {
  const int exit_code = writer.wait();
  std::string out;
  for (std::string line = writer.next_line(); !line.empty(); line = writer.next_line()) out += line;
  const json report = json::parse(out, nullptr, false);
  REQUIRE_MESSAGE(report.is_object(), "lab stress exited " << exit_code << ": " << out);
  INFO(report.dump());
  CHECK(exit_code == (report["failed"] == 0 ? 0 : 2));
  CHECK(report["acknowledged"].get<int>() + report["failed"].get<int>() == rows);
  // Every acknowledged write was sent to its 3 replicas: one a coordinator could not reach got a
  // hint, and no coordinator's ring was short of a node.
  CHECK(report["replicas"] == json{{"3", report["acknowledged"]}});
  for (const json& error : report["sample_errors"]) {
    CHECK_MESSAGE(error.get<std::string>().find("QUORUM needs 2 of 3 replicas, ") != std::string::npos, error);
    CHECK_MESSAGE(error.get<std::string>().find(" answered") != std::string::npos, error);
  }
  return report;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE(
    "a node cut off both ways, then one way: health names the partition, QUORUM says who answered, nothing lost") {
  const auto started = std::chrono::steady_clock::now();
  PartitionLab lab(kNodeCutLab);
  lab.up(3);
  lab.must({"stress", "--rows", "300", "--keyspace", "before", "--cl", "QUORUM"});

  {
    PacketFilter cut(lab.storage_port());
    cut.drop("127.0.67.3", "");
    cut.drop("", "127.0.67.3");

    // Once the failure detectors convict (phi 8: about 18 s).
    const json partitions = wait_for_check("partitions", "critical");
    CHECK(partitions["message"].get<std::string>().find("127.0.67.1, 127.0.67.2 | 127.0.67.3") != std::string::npos);
    CHECK(test_support::run_process({RINGCTL_BIN, "health"}).exit_code == 5);

    const auto through_cut = lab.write_through("127.0.67.3", "before", "cut-1", "QUORUM");
    REQUIRE(through_cut.ok());
    CHECK(through_cut->status == 503);
    CHECK_MESSAGE(through_cut->body.find("QUORUM needs 2 of 3 replicas, 1 answered") != std::string::npos,
                  through_cut->body);

    // The other side still has a QUORUM; stress asks another coordinator when node3 answers 503.
    const ProcessResult during = lab.lab({"stress", "--rows", "300", "--keyspace", "before", "--cl", "QUORUM"});
    CHECK_MESSAGE(during.exit_code == 0, during.out << during.err);
  }

  lab.wait_until_healed();
  const json both_ways = lab.verify_at_one("before");
  CHECK(both_ways["checked"] == 600);  // node3 holds what was written while it was cut off
  const double both_ways_seconds = seconds_since(started);

  json one_way_writes;
  {  // One way: node3 cannot reach the others, they can reach it.
    PacketFilter one_way(lab.storage_port());
    one_way.drop("127.0.67.3", "");
    test_support::Background writer = lab.writer("before", 120);
    const auto from_node3 = lab.write_through("127.0.67.3", "before", "one-way-1", "QUORUM");
    REQUIRE(from_node3.ok());
    CHECK(from_node3->status == 503);
    CHECK_MESSAGE(from_node3->body.find("1 answered") != std::string::npos, from_node3->body);
    const auto to_node3 = lab.write_through("127.0.67.1", "before", "one-way-2", "ALL");
    REQUIRE(to_node3.ok());
    CHECK_MESSAGE(to_node3->status == 200, to_node3->body);  // every replica, node3 included, acknowledged

    // No view disagrees: the peers' gossip rounds with node3 carry both sides' heartbeats in one
    // connection (node3 answers in it), so no detector convicts and the partitions check, which
    // reads the peer-view matrix, sees one group. The cut shows as node3's writes waiting out
    // the 2 s internode timeout (its write p99, named) and as the hints it holds for the peers,
    // which every view sees up: one_way_partitions names node3 and the peers it cannot reach.
    const json one_way_check = wait_for_check("one_way_partitions", "warn");
    CHECK_MESSAGE(one_way_check.value("message", "")
                          .find("127.0.67.3 cannot reach 127.0.67.1, 127.0.67.2 although every view sees them up: "
                                "one-way partition or a firewall") != std::string::npos,
                  one_way_check.dump());
    CHECK(one_way_check.value("nodes", json::array()).dump().find("\"127.0.67.3\"") != std::string::npos);
    // node3 among the nodes above the limit, once its agent has collected the slow writes (on a
    // loaded machine others may be there too, and first)
    wait_for_check("write_latency_p99", "warn", "127.0.67.3");
    const json report = health();
    INFO(report.dump());
    CHECK(find_check(report, "partitions")["status"] == "ok");
    CHECK(find_check(report, "partitions")["message"] == "the 3 nodes that answer see each other up");
    CHECK(find_check(report, "nodes_up_normal")["status"] == "ok");
    CHECK(test_support::hints_pending("127.0.67.3", kNodeCutLab.native_port) > 0);
    one_way_writes = writer_report(writer, 120);
  }
  lab.wait_until_healed();
  // Every hint delivered: no node holds any for a peer, once the agents have collected again.
  wait_for_check("one_way_partitions", "ok");
  const json verified = lab.verify_at_one("before");
  CHECK(verified["checked"] == 600 + one_way_writes["acknowledged"].get<int>());
  MESSAGE("node cut: both ways " << both_ways["checked"] << " rows checked, missing " << both_ways["missing"] << ", "
                                 << both_ways_seconds << " s; one way " << one_way_writes["acknowledged"]
                                 << " of 120 acknowledged (" << one_way_writes["failed"] << " failed, p99 "
                                 << one_way_writes["latency_ms"]["p99"] << " ms), " << verified["checked"]
                                 << " rows checked, missing " << verified["missing"] << ", " << seconds_since(started)
                                 << " s in all");
}

TEST_CASE("4 nodes split 2|2 under a QUORUM writer: health names both groups, every write answered, nothing lost") {
  const auto started = std::chrono::steady_clock::now();
  PartitionLab lab(kSplitLab);
  lab.up(4);
  lab.must({"stress", "--rows", "300", "--keyspace", "split", "--cl", "QUORUM"});
  const std::vector<std::string> left = {"127.0.101.1", "127.0.101.2"};
  const std::vector<std::string> right = {"127.0.101.3", "127.0.101.4"};

  json during;
  std::vector<std::string> direct_acknowledged;  // the test's own record of the direct writes
  {
    test_support::Background writer = lab.writer("split", 400);
    PacketFilter cut(lab.storage_port());
    cut.split(left, right);

    const json partitions = wait_for_check("partitions", "critical");
    const std::string message = partitions.value("message", "");
    CHECK(message.find("split into 2 groups") != std::string::npos);
    CHECK(message.find("127.0.101.1, 127.0.101.2") != std::string::npos);
    CHECK(message.find("127.0.101.3, 127.0.101.4") != std::string::npos);
    CHECK(message.find(" | ") != std::string::npos);

    // Through each node, rows on either side: acknowledged where the coordinator's side holds 2
    // of the 3 replicas, 503 saying 1 answered where it holds 1.
    int refused = 0;
    for (int n = 0; n < 16; ++n) {
      const std::string& node = lab.nodes()[static_cast<std::size_t>(n % 4)];
      const auto written = lab.write_through(node, "split", "direct-" + std::to_string(n), "QUORUM");
      REQUIRE(written.ok());
      INFO(node << ": " << written->status << " " << written->body);
      if (written->status == 200) {
        direct_acknowledged.push_back("direct-" + std::to_string(n));
        continue;
      }
      ++refused;
      CHECK(written->status == 503);
      CHECK(written->body.find("QUORUM needs 2 of 3 replicas, 1 answered") != std::string::npos);
    }
    CHECK(!direct_acknowledged.empty());
    CHECK(refused > 0);
    during = writer_report(writer, 400);
    CHECK(during["acknowledged"] > 0);
  }

  lab.wait_until_healed();
  const json verified = lab.verify_at_one("split");
  CHECK(verified["checked"] == 300 + during["acknowledged"].get<int>());
  for (const std::string& key : direct_acknowledged) CHECK(lab.on_every_replica("split", key, "value"));
  MESSAGE("split 2|2: writer " << during["acknowledged"] << " of 400 acknowledged (" << during["failed"]
                               << " failed) in " << during["seconds"] << " s, direct writes "
                               << direct_acknowledged.size() << " of 16 acknowledged; " << verified["checked"]
                               << " rows checked, missing " << verified["missing"] << ", under-replicated "
                               << verified["under_replicated"] << ", " << seconds_since(started) << " s");
}

TEST_CASE("QUORUM writes with a replica delayed 50 ms each way are acknowledged, nothing lost") {
  const auto started = std::chrono::steady_clock::now();
  PartitionLab lab(kDelayLab);
  lab.up(3);
  const ProcessResult before =
      lab.lab({"stress", "-o", "json", "--keyspace", "delay", "--cl", "QUORUM", "--rows", "300"});
  REQUIRE_MESSAGE(before.exit_code == 0, before.out << before.err);
  CHECK(json::parse(before.out)["replicas"] == json{{"3", 300}});

  constexpr auto kDelay = 50ms;  // each way: a round trip with node3 takes 100 ms more
  const double round_trip_ms = 2.0 * static_cast<double>(kDelay.count());
  json during;
  double all_ms = 0;
  int proxied = 0;
  {
    test_support::DelayProxy delay(lab.address(3), lab.storage_port(), kDelay);
    // A write at ALL through node1 waits for node3's answer: the write and the answer each 50 ms
    // late.
    const auto sent = std::chrono::steady_clock::now();
    const auto all = lab.write_through(lab.address(1), "delay", "all-1", "ALL");
    all_ms = seconds_since(sent) * 1000;
    REQUIRE(all.ok());
    CHECK_MESSAGE(all->status == 200, all->body);
    CHECK(all_ms >= round_trip_ms);

    // Through every coordinator: node3's own writes wait for a delayed peer (p99 at least the
    // 100 ms round trip), none waits out the 2 s internode timeout.
    const ProcessResult r = lab.lab({"stress", "-o", "json", "--keyspace", "delay", "--cl", "QUORUM", "--rows", "300"});
    during = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(during.is_object(), r.out << r.err);
    INFO(during.dump());
    CHECK(r.exit_code == 0);
    CHECK(during["failed"] == 0);
    CHECK(during["replicas"] == json{{"3", 300}});
    CHECK(during["latency_ms"]["p99"].get<double>() >= round_trip_ms);
    CHECK(during["latency_ms"]["max"].get<double>() < 2000);
    proxied = delay.connections();
    CHECK(proxied > 0);
  }
  // Late is not failed: no replica write waited out the timeout or was refused (one reaching
  // the wrong node is, as misdirected), so no coordinator kept a hint.
  const json no_hints{{lab.address(1), 0}, {lab.address(2), 0}, {lab.address(3), 0}};
  CHECK_MESSAGE(lab.hints_made() == no_hints, lab.warnings());

  lab.wait_until_healed();
  const json verified = lab.verify_at_one("delay");
  CHECK(verified["checked"] == 300 + during["acknowledged"].get<int>());
  CHECK(lab.on_every_replica("delay", "all-1", "value"));
  MESSAGE("delay " << kDelay.count() << " ms each way on node3: ALL write " << all_ms << " ms; "
                   << during["acknowledged"] << " of 300 QUORUM writes acknowledged, latency ms "
                   << during["latency_ms"].dump() << ", " << proxied << " connections delayed; " << verified["checked"]
                   << " rows checked, missing " << verified["missing"] << ", " << seconds_since(started) << " s");
}

int main(int argc, char** argv) {
  if (!test_support::nft_usable()) {
    return test_support::missing_prerequisite(std::string("partitions need root and ") + test_support::kNft +
                                              " (scripts/install-deps.sh test installs nftables)");
  }
  doctest::Context context(argc, argv);
  if (!test_support::delay_tools_usable()) {  // the partitions still run
    std::printf(
        "SKIPPED: the delay test: %s or %s is missing (scripts/install-deps.sh test installs iproute2 and "
        "conntrack)\n",
        test_support::kSs, test_support::kConntrack);
    context.addFilter("test-case-exclude", "*delayed*");
  }
  return context.run();
}
