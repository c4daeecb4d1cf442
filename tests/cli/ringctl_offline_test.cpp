// ringctl's offline commands, run as a process: outputs, exit codes and error messages.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/run_process.h"
#include "support/temp_dir.h"
#include "support/test_files.h"
#include "support/test_paths.h"

using test_support::ProcessResult;

namespace {

const std::string kExample = std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json";
const std::string kTwoDcs = std::string(RINGCTL_TEST_DATA_DIR) + "/two_dcs_single_token.json";

ProcessResult ringctl(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), RINGCTL_BIN);
  return test_support::run_process(args, input);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("token prints one decimal token per key, in order, --hex takes bytes") {
  auto r = ringctl({"token", "123", "a", "Book Store"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "-7468325962851647638\n-8839064797231613815\n-1595003126634288162\n");
  r = ringctl({"token", "--hex", "00000001", "0xFFFFFFFF", ""});
  CHECK(r.out == "-4069959284402364209\n7297452126230313552\n-9223372036854775808\n");
}

TEST_CASE("token -o json and getendpoints -o json have the documented shapes") {
  auto r = ringctl({"token", "user:42", "Book Store", "-o", "json"});
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out) == nlohmann::json::parse(R"([{"key": "user:42", "token": "-3674646904862786968"},
                                                                  {"key": "Book Store", "token": "-1595003126634288162"}])"));
  r = ringctl({"getendpoints", "--ring", kTwoDcs, "ks", "user:42", "-o", "json"});
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out) == nlohmann::json::parse(R"({"keyspace": "ks", "key": "user:42",
      "token": "-3674646904862786968", "endpoints": ["10.0.0.1"]})"));
  CHECK(ringctl({"getendpoints", "--ring", kTwoDcs, "ks", "user:42"}).out == "10.0.0.1\n");
}

TEST_CASE("bad hex is a usage error naming the key and the position") {
  auto r = ringctl({"token", "--hex", "00000001", "00zz"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());  // not even the good key's token: an error prints nothing on stdout
  CHECK(contains(r.err, "hex key '00zz'"));
  CHECK(contains(r.err, "position 3"));
  r = ringctl({"token", "--hex", "abc"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "odd number of digits"));
}

TEST_CASE("status prints nodetool's layout byte for byte") {
  auto r = ringctl({"status", "--ring", kExample, "ks3"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "Datacenter: dc1\n"
        "===============\n"
        "Status=Up/Down\n"
        "|/ State=Normal/Leaving/Joining/Moving\n"
        "--  Address   Load       Tokens  Owns (effective)  Host ID                               Rack \n"
        "UN  10.0.0.1  1.21 MiB   16      100.0%            3f1c2e8a-5d1b-4c39-9a3e-2b7e0c1d9f01  rack1\n"
        "UN  10.0.0.2  998.5 KiB  16      100.0%            8a0b7c6d-1e2f-4a3b-9c8d-7e6f5a4b3c21  rack1\n"
        "DN  10.0.0.3  1.2 MiB    16      100.0%            c4d3e2f1-0a9b-4c8d-8e7f-6a5b4c3d2e10  rack1\n"
        "\n");
}

TEST_CASE("status without a keyspace: keyspaces that disagree give Owns '?' and the note") {
  auto r = ringctl({"status", "--ring", kExample});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "--  Address   Load       Tokens  Owns  Host ID"));
  CHECK(contains(r.out, "UN  10.0.0.1  1.21 MiB   16      ?     3f1c2e8a"));
  CHECK(contains(r.out,
                 "\n\nNote: Non-system keyspaces don't have the same replication settings, effective ownership "
                 "information is meaningless\n"));
}

TEST_CASE("status uses the Token column when there are no more tokens than datacenters") {
  auto r = ringctl({"status", "--ring", kTwoDcs, "ks"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out,
                 "--  Address   Load     Owns (effective)  Host ID                               Token"
                 "                 Rack \n"
                 "UN  10.0.0.1  0 bytes  100.0%            11111111-1111-4111-8111-111111111111  "
                 "-9000000000000000000  rack1\n"));
  // A joining node: no load known, no ownership yet, widths shared with dc1's table.
  CHECK(contains(r.out,
                 "UJ  10.0.1.1  ?        ?                 22222222-2222-4222-8222-222222222222  "
                 "9100000000000000000   r1   \n"));
}

TEST_CASE("ring prints nodetool's per-token layout and ends without a final newline") {
  auto r = ringctl({"ring", "--ring", kTwoDcs, "ks"});
  CHECK(r.exit_code == 0);
  const std::string pad44(44 - 20, ' ');
  CHECK(r.out ==
        "\nDatacenter: dc1\n==========\n"
        "Address        Rack        Status State   Load            Owns                Token" +
            std::string(39, ' ') +
            "\n\n"
            "10.0.0.1       rack1       Up     Normal  0 bytes         100.00%             -9000000000000000000" +
            pad44 +
            "\n\n"
            "Datacenter: dc2\n==========\n"
            "Address        Rack        Status State   Load            Owns                Token" +
            std::string(39, ' ') +
            "\n\n"
            "10.0.1.1       r1          Up     Joining ?               ?                   9100000000000000000" +
            std::string(25, ' ') + "\n\n\n  ");
}

TEST_CASE("ring with vnodes shows the starting token and nodetool's warning") {
  auto r = ringctl({"ring", "--ring", kExample, "ks3"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "\n" + std::string(78, ' ') + "8625000000000000000" + std::string(25, ' ') + "\n"));
  CHECK(contains(r.out,
                 "10.0.0.1       rack1       Up     Normal  1.21 MiB        100.00%             "
                 "-9000000000000000000"));
  CHECK(contains(r.out,
                 "  Warning: \"nodetool ring\" is used to output all the tokens of a node.\n"
                 "  To view status related info of a node use \"nodetool status\" instead.\n\n\n  "));
}

TEST_CASE("status -o json has the documented shape with unrounded ownership") {
  auto r = ringctl({"status", "--ring", kExample, "ks1", "-o", "json"});
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["keyspace"] == "ks1");
  CHECK(doc["ownership"] == "effective");
  CHECK(doc["note"].is_null());
  REQUIRE(doc["datacenters"].size() == 1);
  const auto& nodes = doc["datacenters"][0]["nodes"];
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[2]["address"] == "10.0.0.3");
  CHECK(nodes[2]["status"] == "down");
  CHECK(nodes[2]["state"] == "normal");
  CHECK(nodes[2]["load_bytes"] == 1258291);
  CHECK(nodes[2]["tokens"] == 16);
  double total = 0;
  for (const auto& node : nodes) total += node["owns_pct"].get<double>();
  CHECK(total == doctest::Approx(100.0).epsilon(1e-4));                // rf 1: shares add up to the ring
  CHECK(nodes[0]["owns_pct"].get<double>() != doctest::Approx(33.3));  // not rounded to the table's precision
}

TEST_CASE("status -o yaml carries the same document as JSON") {
  auto json = nlohmann::json::parse(ringctl({"status", "--ring", kExample, "ks3", "-o", "json"}).out);
  auto r = ringctl({"status", "--ring", kExample, "ks3", "--output=yaml"});
  REQUIRE(r.exit_code == 0);
  const YAML::Node yaml = YAML::Load(r.out);
  CHECK(yaml["ownership"].as<std::string>() == "effective");
  CHECK(yaml["datacenters"][0]["nodes"][1]["host_id"].as<std::string>() ==
        json["datacenters"][0]["nodes"][1]["host_id"].get<std::string>());
  CHECK(yaml["datacenters"][0]["nodes"][1]["owns_pct"].as<double>() ==
        doctest::Approx(json["datacenters"][0]["nodes"][1]["owns_pct"].get<double>()));
}

TEST_CASE("describering lists every range with replicas, as text and JSON") {
  auto r = ringctl({"describering", "--ring", kExample, "ks1"});
  REQUIRE(r.exit_code == 0);
  CHECK(
      r.out.starts_with("Schema Version:59adb24e-f3cd-3e02-97f0-5b395827453f\nTokenRange: \n"
                        "\tTokenRange(start_token:8625000000000000000, end_token:-9000000000000000000, "
                        "endpoints:[10.0.0.1], rpc_endpoints:[10.0.0.1], endpoint_details:[EndpointDetails("
                        "host:10.0.0.1, datacenter:dc1, rack:rack1)])\n"));
  const auto doc = nlohmann::json::parse(ringctl({"describering", "--ring", kExample, "ks3", "-o", "json"}).out);
  REQUIRE(doc.size() == 48);
  CHECK(doc[1]["start_token"] == "-9000000000000000000");
  CHECK(doc[1]["end_token"] == "-8625000000000000000");
  CHECK(doc[1]["endpoints"] == nlohmann::json({"10.0.0.2", "10.0.0.3", "10.0.0.1"}));
  CHECK(doc[1]["endpoint_details"][0] ==
        nlohmann::json({{"host", "10.0.0.2"}, {"datacenter", "dc1"}, {"rack", "rack1"}}));
}

TEST_CASE("getendpoints agrees with the golden vectors and accepts nodetool's TABLE argument") {
  const auto expectations = test_support::read_jsonl(test_support::vectors_path("ring_expect.jsonl"));
  const auto& expect = expectations.at(4);
  const std::string ring = test_support::vectors_path(expect["ring_file"]);
  const auto& key = expect["keyspaces"]["nts"]["keys"][0];
  std::string expected;
  for (const auto& e : key["endpoints"]) expected += e.get<std::string>() + "\n";
  CHECK(ringctl({"getendpoints", "--ring", ring, "nts", "--hex", key["key_hex"]}).out == expected);
  CHECK(ringctl({"getendpoints", "--ring", ring, "--hex", "nts", "some_table", key["key_hex"]}).out == expected);
}

TEST_CASE("errors: exit 1, nothing on stdout, a message naming what is wrong") {
  SUBCASE("unknown keyspace") {
    auto r = ringctl({"status", "--ring", kExample, "nope"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(contains(r.err, "keyspace 'nope' does not exist (keyspaces: ks3, ks1)"));
  }
  SUBCASE("missing file") {
    auto r = ringctl({"ring", "--ring", "/nonexistent/ring.json"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "cannot read ring file '/nonexistent/ring.json'"));
  }
  SUBCASE("malformed snapshot from stdin") {
    auto r = ringctl({"status", "--ring", "-"}, R"({"nodes": [{"address": "10.0.0.9"}]})");
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "ring file '-': nodes[0] (10.0.0.9): missing field 'host_id'"));
  }
  SUBCASE("no source") {
    setenv("RINGCTL_CONFIG", "/nonexistent/ringctl/clusters.yaml", 1);  // no registered cluster either
    auto r = ringctl({"status"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "give --ring FILE"));
  }
  SUBCASE("unknown output format") {
    auto r = ringctl({"-o", "xml", "token", "a"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "--output: xml not in {table,json,yaml}"));
  }
  SUBCASE("unknown command and missing arguments") {
    CHECK(ringctl({"frobnicate"}).exit_code == 1);
    CHECK(ringctl({"describering", "--ring", kExample}).exit_code == 1);
    CHECK(ringctl({}).exit_code == 1);
  }
  SUBCASE("LocalStrategy has no ring to describe") {
    auto r = ringctl(
        {"describering", "--ring", "-", "loc"},
        R"({"nodes": [{"address": "a", "host_id": "00000000-0000-4000-8000-000000000001", "dc": "d", "rack": "r", "status": "up",
                         "state": "normal", "tokens": ["1"]}],
                         "keyspaces": [{"name": "loc", "replication": {"class": "LocalStrategy"}}]})");
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "keyspace 'loc': LocalStrategy keyspaces have no ring"));
  }
}

namespace {

// A user playbook `name` with `steps` (YAML lines under "steps:"), in a scratch home of its own;
// runs ringctl there with its playbooks and runs directory.
struct PlaybookHome {
  test_support::TempDir home{"ringctl-offline-playbook-"};

  PlaybookHome(const std::string& name, const std::string& steps) {
    const std::filesystem::path playbooks = std::filesystem::path(home.path()) / "config/ringctl/playbooks";
    std::filesystem::create_directories(playbooks);
    std::ofstream(playbooks / (name + ".yaml")) << "name: " << name << "\ndescription: a test\nsteps:\n" << steps;
  }

  ProcessResult ringctl(const std::vector<std::string>& args) const {
    std::vector<std::string> command = {"/usr/bin/env", "XDG_CONFIG_HOME=" + home.path() + "/config",
                                        "RINGCTL_RUNS_DIR=" + home.path() + "/runs", RINGCTL_BIN};
    command.insert(command.end(), args.begin(), args.end());
    return test_support::run_process(command);
  }
};

nlohmann::json last_event(const ProcessResult& r) { return nlohmann::json::parse(r.out.substr(r.out.rfind('{'))); }

}  // namespace

TEST_CASE("an own playbook named as a shipped one shadows it: listed once as own, and the one show and run use") {
  const PlaybookHome home("repair", "  - ask: go on?\n");
  const auto listed = home.ringctl({"-o", "json", "playbook", "list"});
  REQUIRE(listed.exit_code == 0);
  int repairs = 0;
  bool shipped_listed = false;
  const auto listing = nlohmann::json::parse(listed.out);  // kept: a range-for over a temporary's member dangles
  for (const auto& file : listing["playbooks"]) {
    if (file["shipped"] == true) shipped_listed = true;
    if (file["name"] != "repair") continue;
    ++repairs;
    CHECK(file["shipped"] == false);
    CHECK(file["shadows"] == true);
    CHECK(contains(file["path"].get<std::string>(), home.home.path()));
  }
  CHECK(repairs == 1);
  CHECK(shipped_listed);  // the others are still the shipped ones
  const auto table = home.ringctl({"playbook", "list"});
  CHECK(contains(table.out, "own (shadows the shipped one)"));
  const auto shown = home.ringctl({"-o", "json", "playbook", "show", "repair"});
  REQUIRE(shown.exit_code == 0);
  CHECK(nlohmann::json::parse(shown.out)["description"] == "a test");
}

TEST_CASE("a playbook question nobody can answer aborts the run: exit 6, status aborted, journal kept") {
  // A user playbook whose only step asks; stdin is no terminal and --yes is not given.
  const PlaybookHome home("ask-only", "  - ask: go on?\n");
  const auto r = home.ringctl({"-o", "json", "playbook", "run", "ask-only"});
  CHECK(r.exit_code == 6);
  const auto finished = last_event(r);
  CHECK(finished["event"] == "run_finished");
  CHECK(finished["status"] == "aborted");
  CHECK(contains(finished["message"].get<std::string>(), "give --yes"));
  CHECK(std::filesystem::exists(finished["journal"].get<std::string>()));
}

TEST_CASE("playbook resume --yes answers the questions a run stopped at, without a terminal") {
  const PlaybookHome home("two-asks", "  - ask: first?\n  - ask: second?\n");
  const auto stopped = home.ringctl({"-o", "json", "playbook", "run", "two-asks"});
  REQUIRE(stopped.exit_code == 6);  // no terminal, no --yes: aborted at the first question
  const std::string run_id = last_event(stopped)["run_id"];
  const auto resumed = home.ringctl({"-o", "json", "playbook", "resume", run_id, "--yes"});
  INFO(resumed.out << resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(last_event(resumed)["status"] == "succeeded");
  // Both questions answered by --yes: the one the run stopped at, and the one after it.
  std::vector<std::string> answered;
  std::istringstream lines(resumed.out);
  for (std::string line; std::getline(lines, line);) {
    const auto event = nlohmann::json::parse(line);
    if (event["event"] == "step_finished" && event["message"] == "yes (--yes)") answered.push_back(event["step"]);
  }
  CHECK(answered == std::vector<std::string>{"1", "2"});
}

TEST_CASE("a playbook run that reaches no agent exits 4, its run failed with the error unavailable") {
  const PlaybookHome home("health-only", "  - check: health\n");
  // Nobody listens on port 1: every agent (the one there is) refuses the connection.
  const auto r = home.ringctl({"-o", "json", "-h", "127.0.0.1:1", "playbook", "run", "health-only"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 4);
  const auto finished = last_event(r);
  CHECK(finished["event"] == "run_finished");
  CHECK(finished["status"] == "failed");
  CHECK(finished["error"] == "unavailable");
  CHECK(contains(finished["message"].get<std::string>(), "no agent answered"));
}

TEST_CASE("with -o json, errors are JSON on stderr too") {
  auto r = ringctl({"-o", "json", "status", "--ring", kExample, "nope"});
  CHECK(r.exit_code == 1);
  const auto error = nlohmann::json::parse(r.err)["error"];
  CHECK(error["code"] == "not_found");
  CHECK(error["exit_code"] == 1);
  r = ringctl({"status", "--bogus", "-o", "json"});
  CHECK(r.exit_code == 1);
  CHECK(nlohmann::json::parse(r.err)["error"]["code"] == "usage");
}

TEST_CASE("input that is no snapshot, or bytes that are no UTF-8, end in a clear error, not an internal one") {
  SUBCASE("an endless device as the ring file is refused at a size bound") {
    auto r = ringctl({"status", "--ring", "/dev/zero"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "ring file '/dev/zero' is larger than 64 MiB"));
    CHECK_FALSE(contains(r.err, "internal"));
  }
  SUBCASE("a syntax error names its line and column in our words") {
    auto r = ringctl({"status", "--ring", "-"}, "{\n  \"nodes\": [,]\n}");
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "ring file '-': not valid JSON at line 2, column 13"));
    CHECK_FALSE(contains(r.err, "json.exception"));
  }
  SUBCASE("a key that is not UTF-8 still gives a JSON document, its bad byte replaced") {
    auto r = ringctl({"-o", "json", "getendpoints", "--ring", kExample, "ks1", "caf\xe9"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["key"] == "caf\xef\xbf\xbd");                                              // U+FFFD
    CHECK(doc["token"].get<std::string>() + "\n" == ringctl({"token", "caf\xe9"}).out);  // of the raw bytes
    r = ringctl({"-o", "json", "status", "--ring", kExample, "ks\xff"});
    CHECK(r.exit_code == 1);
    CHECK(nlohmann::json::parse(r.err)["error"]["code"] == "not_found");
  }
}

TEST_CASE("--help lists the commands and the exit codes, --version prints the version") {
  auto r = ringctl({"--help"});
  CHECK(r.exit_code == 0);
  for (const char* command : {"token", "getendpoints", "describering", "status", "ring"})
    CHECK(contains(r.out, command));
  CHECK(contains(r.out, "Exit codes:"));
  CHECK(ringctl({"--version"}).out.starts_with("ringctl "));
}

TEST_CASE("first contact: a mistyped or unknown command is named, with the closest command suggested") {
  auto r = ringctl({"stauts"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "unknown command 'stauts' (did you mean status?)"));
  r = ringctl({"-o", "json", "tablestats"});
  CHECK(r.exit_code == 1);
  const auto error = nlohmann::json::parse(r.err)["error"];
  CHECK(error["code"] == "usage");
  CHECK(contains(error["message"].get<std::string>(), "unknown command 'tablestats'"));
  r = ringctl({"-h", "127.0.0.1:1", "decomission"});  // the value of -h is not the command
  CHECK(contains(r.err, "unknown command 'decomission' (did you mean decommission?)"));
}

TEST_CASE("first contact one level down: a mistyped or missing command of lab, plan or playbook is named") {
  auto r = ringctl({"lab", "--dir", "/nonexistent/lab", "stauts"});  // the value of --dir is not the command
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "unknown command 'lab stauts' (did you mean lab start?); ringctl help lab lists them"));
  r = ringctl({"plan", "ad"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "unknown command 'plan ad' (did you mean plan add?)"));
  r = ringctl({"lab"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "'lab' needs a command: up, add, remove, down,"));
  r = ringctl({});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "a command is required; ringctl help lists the commands"));
  // Asking for help is no missing command, and a command's arguments are no commands.
  CHECK(ringctl({"lab", "--help"}).exit_code == 0);
  CHECK(ringctl({"completion", "nosuch"}).err.find("unknown command") == std::string::npos);
}

TEST_CASE("help COMMAND prints the help, and a command's help shows the global options and where it reads from") {
  auto r = ringctl({"help"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "Subcommands:"));
  r = ringctl({"help", "status"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "Usage: ringctl status"));
  CHECK(contains(r.out, "Without --ring FILE, the command asks the agents (ringd)"));
  CHECK(contains(r.out, "Global options (before or after the command):"));
  CHECK(contains(r.out, "-h,--host"));
  CHECK(contains(r.out, "-o,--output table|json|yaml"));
  r = ringctl({"status", "--help"});
  CHECK(contains(r.out, "-h,--host"));
  r = ringctl({"help", "stauts"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "did you mean status?"));
}
