// A dry run of the shipped scale-up playbook (and of repair by token segments) on a ring file (no agent: the checks
// read the file, nothing can change): every step of every foreach item is finished with what it would do, even past a
// check that blocks, nothing is journaled, and the plan event carries the movement per node, which the view prints on a
// terminal.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "playbook/playbook_loader.h"
#include "playbook/runner.h"
#include "playbook/variables.h"
#include "ringcore/token.h"
#include "support/temp_dir.h"
#include "support/test_paths.h"
#include "views/playbook_view.h"

namespace {

using ringctl::Document;
using namespace ringctl::playbook;

struct DryRun {
  test_support::TempDir scratch{"ringctl-dry-run-test-"};
  std::filesystem::path runs = std::filesystem::path(scratch.path()) / "runs";
  std::vector<Document> events;
  RunOutcome outcome;

  // A ring file names no cluster, so a scale-up names its launcher: the command launcher, whose
  // start_command is never run by a dry run.
  explicit DryRun(std::vector<std::string> settings, const std::string& playbook = "scale-up") {
    if (playbook == "scale-up")
      settings.insert(settings.end(), {"launcher=command", "hosts=10.0.0.9,10.0.0.10", "start_command=false"});
    setenv("RINGCTL_RUNS_DIR", runs.c_str(), 1);
    // No operator's cluster config: the scratch one lists no cluster.
    const std::filesystem::path config = std::filesystem::path(scratch.path()) / "clusters.yaml";
    std::ofstream(config) << "clusters: {}\n";
    setenv("RINGCTL_CONFIG", config.c_str(), 1);
    const Playbook book = load_playbook(std::string(RINGCTL_PLAYBOOKS_DIR) + "/" + playbook + ".yaml").value_or_throw();
    RunOptions options;
    options.source.ring_file = std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json";
    options.dry_run = true;
    options.ask = [](const std::string& prompt) -> std::optional<std::string> {
      FAIL("a dry run asked: " << prompt);
      return std::nullopt;
    };
    outcome = start_run(book, bind_variables(book, settings).value_or_throw(), options,
                        [this](const Document& event) { events.push_back(event); });
  }
  ~DryRun() {
    unsetenv("RINGCTL_RUNS_DIR");
    unsetenv("RINGCTL_CONFIG");
  }

  const Document& only(const std::string& kind) const {
    const Document* found = nullptr;
    for (const Document& event : events) {
      if (event["event"] != kind) continue;
      REQUIRE_MESSAGE(found == nullptr, "two " << kind << " events");
      found = &event;
    }
    REQUIRE_MESSAGE(found != nullptr, "no " << kind << " event");
    return *found;
  }
};

// Every step path the playbook has for the items its foreach steps announced: "4" and, for a
// foreach of two items with three steps, 4.1.1 .. 4.2.3.
std::set<std::string> expected_paths(const std::vector<Step>& steps, const std::string& prefix,
                                     const std::map<std::string, std::size_t>& items) {
  std::set<std::string> paths;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string path = prefix + std::to_string(i + 1);
    paths.insert(path);
    if (steps[i].kind != StepKind::kForeach) continue;
    const auto it = items.find(path);
    REQUIRE_MESSAGE(it != items.end(), "foreach " << path << " never started");
    for (std::size_t j = 1; j <= it->second; ++j) {
      const std::set<std::string> inner = expected_paths(steps[i].steps, path + "." + std::to_string(j) + ".", items);
      paths.insert(inner.begin(), inner.end());
    }
  }
  return paths;
}

}  // namespace

TEST_CASE("a dry run of scale-up goes past a blocking check through every step of every item, journals nothing") {
  DryRun dry({"count=2"});
  REQUIRE(!dry.events.empty());
  INFO(dry.events.back().dump());
  CHECK(dry.events.back()["event"] == "run_finished");
  // The file's 10.0.0.3 is down: plan_add blocks, and the dry run shows the rest anyway.
  CHECK(dry.events.back()["status"] == "blocked");
  CHECK(dry.events.back()["message"].get<std::string>().find("nodes_up_normal: 10.0.0.3 is down") != std::string::npos);
  CHECK(dry.outcome.report_path.empty());
  CHECK_FALSE(std::filesystem::exists(dry.runs));

  std::map<std::string, std::size_t> items;
  std::set<std::string> finished, would, checked;
  for (const Document& event : dry.events) {
    const std::string step = event.value("step", "");
    if (event["event"] == "step_started" && event.contains("items")) items[step] = event["items"].size();
    if (event["event"] == "step_finished" && event["status"] == "ok") finished.insert(step);
    if (event["event"] == "would") would.insert(step);
    if (event["event"] == "check") checked.insert(step);
  }
  CHECK(items.at("4") == 2);  // count=2
  const Playbook book = load_playbook(std::string(RINGCTL_PLAYBOOKS_DIR) + "/scale-up.yaml").value_or_throw();
  const std::set<std::string> paths = expected_paths(book.steps, "", items);
  CHECK(finished == paths);
  // Every step but the checks (which ran) and the foreach steps says what it would do.
  for (const char* path : {"3", "4.1.1", "4.1.2", "4.1.3", "4.2.1", "4.2.2", "4.2.3", "7"})
    CHECK_MESSAGE(would.count(path) == 1, path);
  for (const char* path : {"1", "2", "8", "9", "10"}) CHECK_MESSAGE(checked.count(path) == 1, path);
}

TEST_CASE("a dry run's plan event has what each node gains, sends and loses, adding up to the total") {
  DryRun dry({"count=1"});
  const Document& plan = dry.only("plan");
  CHECK(plan["step"] == "2");
  CHECK(plan["operation"] == "add");
  CHECK(plan["formula"]["nodes_before"] == 3);
  CHECK(plan["formula"]["nodes_added"] == 1);
  REQUIRE(plan["nodes"].size() == 4);  // the three of the file and the one added
  std::uint64_t received = 0, sent = 0;
  int added = 0, losing = 0;
  for (const Document& node : plan["nodes"]) {
    received += node["receive_bytes"].get<std::uint64_t>();
    sent += node["send_bytes"].get<std::uint64_t>();
    if (node["role"] == "added") {
      ++added;
      CHECK(node["receive_ranges"].get<int>() > 0);
      CHECK(node["cleanup_ranges"] == 0);
    } else {
      CHECK(node["receive_ranges"] == 0);  // nodes that stay only give
      losing += node["cleanup_ranges"].get<int>() > 0 ? 1 : 0;
    }
  }
  CHECK(added == 1);
  CHECK(losing > 0);
  CHECK(received == plan["planned_bytes"].get<std::uint64_t>());
  CHECK(sent == received);  // every transfer of a ring with data has a source

  std::ostringstream shown;
  ringctl::RunEventPrinter(ringctl::OutputFormat::kTable, shown).print(plan);
  INFO(shown.str());
  for (const Document& node : plan["nodes"]) {
    const std::string address = node["address"];
    const std::size_t at = shown.str().find(address + " ");
    REQUIRE_MESSAGE(at != std::string::npos, address);
    const std::string line = shown.str().substr(at, shown.str().find('\n', at) - at);
    for (const auto& [word, field] : {std::pair{"gains ", "receive_ranges"}, std::pair{"sends ", "send_ranges"},
                                      std::pair{"loses ", "cleanup_ranges"}}) {
      const int ranges = node[field].get<int>();
      const std::size_t said = line.find(word);
      CHECK_MESSAGE((said != std::string::npos) == (ranges > 0), line);
      if (ranges > 0) CHECK_MESSAGE(line.find(std::to_string(ranges) + " ranges", said) != std::string::npos, line);
    }
  }
}

TEST_CASE("a dry run of repair by token segments: each node's primary ranges as that many ranges, one repair each") {
  for (const int segments : {1, 3}) {
    CAPTURE(segments);
    DryRun dry({"segments=" + std::to_string(segments)}, "repair");
    std::map<std::string, Document> lists;  // each node's foreach over its segments: its items
    std::vector<std::string> repairs;       // what each repair step would do
    for (const Document& event : dry.events) {
      const std::string step = event.value("step", "");
      if (event["event"] == "step_started" && event.contains("items") && step.size() > 1) lists[step] = event["items"];
      if (event["event"] == "would") repairs.push_back(event["message"]);
    }
    REQUIRE(lists.size() == 3);  // the file's three nodes
    for (const auto& [step, items] : lists) {
      CAPTURE(step);
      REQUIRE(items.size() == static_cast<std::size_t>(segments));
      // One after another round the ring: each segment starts where the one before ended.
      for (std::size_t k = 0; k < items.size(); ++k) {
        const auto range = ringcore::parse_range(items[k].get<std::string>()).value_or_throw();
        const auto next = ringcore::parse_range(items[(k + 1) % items.size()].get<std::string>()).value_or_throw();
        CHECK(range.right == next.left);
      }
    }
    REQUIRE(repairs.size() == static_cast<std::size_t>(3 * segments));
    for (const std::string& repair : repairs) {
      CAPTURE(repair);
      CHECK(repair.find("\"primary_range\":true") != std::string::npos);
      // One segment is the whole ring: the plain repair -pr, no tokens sent.
      CHECK((repair.find("\"start_token\"") != std::string::npos) == (segments > 1));
    }
  }
}
