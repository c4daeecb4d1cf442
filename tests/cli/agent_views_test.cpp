// The live views (netstats, info, gossipinfo) render recorded agent documents in nodetool's
// layouts; their JSON documents keep what the table prints.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_paths.h"
#include "views/gossipinfo_view.h"
#include "views/info_view.h"
#include "views/netstats_view.h"

namespace {

nlohmann::json recorded(const std::string& name) {
  std::ifstream file(std::string(RINGCTL_TEST_DATA_DIR) + "/agent/" + name);
  REQUIRE_MESSAGE(file, name);
  return nlohmann::json::parse(file);
}

template <class Print>
std::string printed(Print print) {
  std::ostringstream out;
  print(out);
  return out.str();
}

const std::string kReadRepairAndPools =
    "Pool Name                    Active   Pending      Completed   Dropped\n"
    "Large messages                  n/a       n/a            n/a       n/a\n"
    "Small messages                  n/a       n/a            n/a       n/a\n"
    "Gossip messages                 n/a       n/a            n/a       n/a\n";

}  // namespace

TEST_CASE("netstats with nothing streaming: the mode, 'Not sending any streams.', read repair and pools") {
  const std::string text =
      printed([](std::ostream& out) { ringctl::print_netstats(recorded("streams_idle.json"), false, out); });
  CHECK(text ==
        "Mode: NORMAL\n"
        "Not sending any streams.\n"
        "Read Repair Statistics:\n"
        "Attempted: 0\n"
        "Mismatch (Blocking): 0\n"
        "Mismatch (Background): 0\n" +
            kReadRepairAndPools);
}

TEST_CASE("netstats of a bootstrap: a plan line, a summary per session with ranges as files, NaN for a zero total") {
  const std::string text =
      printed([](std::ostream& out) { ringctl::print_netstats(recorded("streams_bootstrap.json"), false, out); });
  CHECK(text ==
        "Mode: JOINING\n"
        "Bootstrap 5a0c2f6e-1d7b-4c0e-9d6a-2b1f0c3e4d5a\n"
        "    /127.0.0.2\n"
        "        Receiving 12 files, 123 bytes total. Already received 4 files (33.33%), 45 bytes total (36.59%)\n"
        "            ranges:4/12 45/123 bytes (36%) received from idx:0/127.0.0.2\n"
        "    /127.0.0.3\n"
        "        Receiving 0 files, 0 bytes total. Already received 0 files (NaN%), 0 bytes total (NaN%)\n"
        "            ranges:0/0 0/0 bytes (100%) received from idx:1/127.0.0.3\n"
        "Read Repair Statistics:\n"
        "Attempted: 7\n"
        "Mismatch (Blocking): 1\n"
        "Mismatch (Background): 2\n" +
            kReadRepairAndPools);
}

TEST_CASE("netstats -H prints sizes in binary units, a sending session says sent") {
  const std::string text =
      printed([](std::ostream& out) { ringctl::print_netstats(recorded("streams_unbootstrap.json"), true, out); });
  CHECK(
      text.starts_with("Mode: LEAVING\n"
                       "Unbootstrap 0b9f3a1e-7c2d-4e5f-8a6b-1c2d3e4f5a6b\n"
                       "    /127.0.0.4\n"
                       "        Sending 3 files, 1.5 MiB total. Already sent 1 files (33.33%), 512 KiB total (33.33%)\n"
                       "            ranges:1/3 524288/1572864 bytes (33%) sent to idx:0/127.0.0.4\n"
                       "Read Repair Statistics:\n"));
}

TEST_CASE("netstats while STARTING prints neither read repair nor pools") {
  nlohmann::json streams = recorded("streams_idle.json");
  streams["mode"] = "STARTING";
  CHECK(printed([&](std::ostream& out) { ringctl::print_netstats(streams, false, out); }) ==
        "Mode: STARTING\nNot sending any streams.\n");
}

TEST_CASE("the netstats document adds each session's done percentage, null for a zero total") {
  const auto doc = ringctl::netstats_document(recorded("streams_bootstrap.json"));
  CHECK(doc["mode"] == "JOINING");
  const auto& sessions = doc["plans"][0]["sessions"];
  CHECK(sessions[0]["done_pct"].get<double>() == doctest::Approx(100.0 * 45 / 123));
  CHECK(sessions[1]["done_pct"].is_null());
  CHECK(doc["plans"][0]["job_id"] == "8e6b4a2c-0f1d-4e3b-a5c7-9d8e7f6a5b4c");
  CHECK(doc["read_repair"]["attempted"] == 7);
}

TEST_CASE("info prints nodetool's fields in order, idle values for what a native node lacks") {
  const nlohmann::json node = recorded("node.json")["node"];
  const std::string text = printed([&](std::ostream& out) { ringctl::print_info(node, false, out); });
  const std::string idle_cache =
      "entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds\n";
  CHECK(text ==
        "ID                     : 6d2f1c3a-4b5e-4f60-8a7b-9c0d1e2f3a4b\n"
        "Gossip active          : true\n"
        "Native Transport active: true\n"
        "Load                   : 1.21 MiB\n"
        "Generation No          : 1763805600\n"
        "Uptime (seconds)       : 3725\n"
        "Heap Memory (MB)       : 12.50 / 12.50\n"
        "Off Heap Memory (MB)   : 0.00\n"
        "Data Center            : dc1\n"
        "Rack                   : rack1\n"
        "Exceptions             : 0\n"
        "Key Cache              : " +
            idle_cache + "Row Cache              : " + idle_cache + "Counter Cache          : " + idle_cache +
            "Network Cache          : size 0 bytes, overflow size: 0 bytes, capacity 0 bytes\n"
            "Percent Repaired       : 0.0%\n"
            "Token                  : (invoke with -T/--tokens to see all 4 tokens)\n");
}

TEST_CASE("info -T prints every token, one token prints without -T, a joining node has none to show") {
  nlohmann::json node = recorded("node.json")["node"];
  const auto token_lines = [&](bool all) {
    const std::string text = printed([&](std::ostream& out) { ringctl::print_info(node, all, out); });
    return text.substr(text.find("Token                  :"));
  };
  CHECK(token_lines(true) ==
        "Token                  : -9\nToken                  : -3\nToken                  : 2\nToken                  "
        ": 8\n");
  node["tokens"] = {"42"};
  CHECK(token_lines(false) == "Token                  : 42\n");
  node["state"] = "joining";
  CHECK(token_lines(true) == "Token                  : (node is not joined to the cluster)\n");
  node["state"] = "normal";
  node["mode"] = "DECOMMISSIONED";
  const std::string text = printed([&](std::ostream& out) { ringctl::print_info(node, false, out); });
  CHECK(text.find("Gossip active          : false\n") != std::string::npos);
  CHECK(text.find("Generation No          : 0\n") != std::string::npos);
  CHECK(token_lines(false) == "Token                  : (node is not joined to the cluster)\n");
}

TEST_CASE("gossipinfo: endpoints by address, states in enum order, TOKENS hidden and last, a trailing empty line") {
  const std::string text =
      printed([](std::ostream& out) { ringctl::print_gossipinfo(recorded("gossip.json")["endpoints"], out); });
  CHECK(text ==
        "/127.0.0.2\n"
        "  generation:1763805600\n"
        "  heartbeat:91\n"
        "  STATUS:14:NORMAL,-9\n"
        "  RACK:6:rack1\n"
        "  RELEASE_VERSION:4:4.1-ringnode\n"
        "  TOKENS: not present\n"
        "/127.0.0.10\n"
        "  generation:1763805601\n"
        "  heartbeat:88\n"
        "  STATUS:12:NORMAL,-3\n"
        "  LOAD:40:81234.0\n"
        "  DC:5:dc1\n"
        "  HOST_ID:3:0aa0\n"
        "  TOKENS:11:<hidden>\n"
        "\n");
}

TEST_CASE("the gossipinfo document keeps the printed order and the token values") {
  const auto doc = ringctl::gossipinfo_document(recorded("gossip.json")["endpoints"]);
  REQUIRE(doc["endpoints"].size() == 2);
  CHECK(doc["endpoints"][0]["address"] == "127.0.0.2");
  CHECK(doc["endpoints"][0]["phi"].is_null());
  CHECK(doc["endpoints"][1]["status"] == "up");
  CHECK(doc["endpoints"][1]["states"][4]["name"] == "TOKENS");
  CHECK(doc["endpoints"][1]["states"][4]["value"] == "-3,5");
}

// Documents recorded from ringd over a 3-node lab (node1's agent; node3's after its decommission).
TEST_CASE("recorded lab documents render: info, gossipinfo and a finished Unbootstrap plan") {
  const nlohmann::json node = recorded("lab_node.json")["node"];
  const std::string info = printed([&](std::ostream& out) { ringctl::print_info(node, true, out); });
  CHECK(info.starts_with("ID                     : 73d0794b-7c3a-4669-bf0f-e79317ed9f1f\n"));
  CHECK(info.find("Heap Memory (MB)       : 17.48 / 17.48\n") != std::string::npos);  // 18329600 bytes RSS
  std::size_t token_lines = 0;
  for (std::size_t at = info.find("\nToken "); at != std::string::npos; at = info.find("\nToken ", at + 1))
    ++token_lines;
  CHECK(token_lines == 16);

  const std::string gossip =
      printed([](std::ostream& out) { ringctl::print_gossipinfo(recorded("lab_gossip.json")["endpoints"], out); });
  CHECK(gossip.starts_with("/127.0.0.1\n  generation:1795328013\n  heartbeat:"));
  CHECK(gossip.find("  STATUS:8:NORMAL,-9148449199115576127\n  LOAD:6:0.0\n  SCHEMA:5:") != std::string::npos);
  CHECK(gossip.find("  HOST_ID:3:2531f1d6-d6f5-4a83-8c68-b385538e3db7\n  TOKENS:7:<hidden>\n\n") != std::string::npos);

  const std::string netstats = printed([](std::ostream& out) {
    ringctl::print_netstats(recorded("lab_streams_decommissioned.json")["streams"], false, out);
  });
  CHECK(netstats.starts_with(
      "Mode: DECOMMISSIONED\nUnbootstrap 9ebbbfcb-d848-4aa5-b387-8f916bc634d6\nRead Repair Statistics:\n"));
}
