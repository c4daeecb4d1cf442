// Reading playbooks: the shipped ones load, and every mistake in a file is reported with the
// file, the line and the field before anything runs.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "playbook/playbook_loader.h"
#include "playbook/variables.h"
#include "support/test_paths.h"

namespace {

using ringctl::playbook::parse_playbook;

std::string problems_of(const std::string& yaml) {
  auto book = parse_playbook(yaml, "bad.yaml");
  REQUIRE_FALSE(book.ok());
  CHECK(book.error().code() == ringcore::ErrorCode::kInvalidInput);
  return book.error().message();
}

const std::string kHeader = "name: t\ndescription: a test\n";

// `yaml` loads: no problem reported.
void check_loads(const std::string& yaml) {
  auto book = parse_playbook(yaml, "good.yaml");
  CHECK_MESSAGE(book.ok(), (book.ok() ? "" : book.error().message()));
}

}  // namespace

TEST_CASE("every shipped playbook loads") {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(RINGCTL_PLAYBOOKS_DIR)) {
    auto book = ringctl::playbook::load_playbook(entry.path().string());
    INFO(entry.path());
    CHECK_MESSAGE(book.ok(), (book.ok() ? "" : book.error().message()));
    ++count;
  }
  CHECK(count >= 6);
}

TEST_CASE("a shipped playbook that starts or stops nodes declares every setting of the ssh launcher") {
  // A variable a playbook does not declare cannot be given with --var: an operator whose sshd
  // listens elsewhere than 22, or who logs in with a key file, could not use the playbook.
  const std::vector<std::string> settings = {"launcher",          "hosts",           "ssh_user",           "ssh_port",
                                             "ssh_identity_file", "ssh_known_hosts", "ssh_connect_timeout"};
  int launching = 0;
  for (const auto& entry : std::filesystem::directory_iterator(RINGCTL_PLAYBOOKS_DIR)) {
    auto book = ringctl::playbook::load_playbook(entry.path().string());
    REQUIRE(book.ok());
    if (!ringctl::playbook::uses_launcher(book->steps)) continue;
    ++launching;
    for (const std::string& name : settings) {
      const bool declared = std::any_of(book->variables.begin(), book->variables.end(),
                                        [&name](const auto& variable) { return variable.name == name; });
      CHECK_MESSAGE(declared, entry.path().filename().string() << " does not declare " << name);
    }
  }
  CHECK(launching >= 4);  // scale-up, scale-down, rebalance, rolling-restart
}

namespace {

// The first step of `kind` and `what` in `steps`, foreach bodies included; null when none.
const ringctl::playbook::Step* find_step(const std::vector<ringctl::playbook::Step>& steps,
                                         ringctl::playbook::StepKind kind, const std::string& what) {
  for (const auto& step : steps) {
    if (step.kind == kind && step.what == what) return &step;
    if (const auto* inner = find_step(step.steps, kind, what)) return inner;
  }
  return nullptr;
}

const ringctl::playbook::VariableSpec* find_variable(const ringctl::playbook::Playbook& book, const std::string& name) {
  for (const auto& variable : book.variables) {
    if (variable.name == name) return &variable;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("rebalance adds a node as scale-up does: pre-flight first, the join watched under the same thresholds") {
  using ringctl::playbook::StepKind;
  const auto scale_up = ringctl::playbook::load_playbook(test_paths::in_source("playbooks/scale-up.yaml"));
  const auto rebalance = ringctl::playbook::load_playbook(test_paths::in_source("playbooks/rebalance.yaml"));
  REQUIRE(scale_up.ok());
  REQUIRE(rebalance.ok());
  const auto* adding = find_step(rebalance->steps, StepKind::kForeach, "add_node_dcs");
  REQUIRE(adding != nullptr);
  REQUIRE(!adding->steps.empty());
  CHECK(adding->steps.front().kind == StepKind::kCheck);  // before each node: the pre-flight
  CHECK(adding->steps.front().what == "preflight");
  const auto* their_join = find_step(scale_up->steps, StepKind::kWait, "node_normal_everywhere");
  const auto* our_join = find_step(adding->steps, StepKind::kWait, "node_normal_everywhere");
  REQUIRE(their_join != nullptr);
  REQUIRE(our_join != nullptr);
  CHECK(our_join->params == their_join->params);  // node, timeout and every alert threshold
  for (const auto& [param, value] : their_join->params) {
    if (!param.starts_with("with.")) continue;
    const std::string name = param.substr(5);
    const auto* theirs = find_variable(*scale_up, name);
    const auto* ours = find_variable(*rebalance, name);
    REQUIRE_MESSAGE(ours != nullptr, "rebalance.yaml does not declare " << name);
    REQUIRE(theirs != nullptr);
    CHECK_MESSAGE(ours->default_value == theirs->default_value, name);
  }
  for (const char* after : {"all_normal", "health", "seed_lists"}) {
    const bool found = find_step(rebalance->steps, StepKind::kWait, after) != nullptr ||
                       find_step(rebalance->steps, StepKind::kCheck, after) != nullptr;
    CHECK_MESSAGE(found, "no after-check " << after);
  }
}

TEST_CASE("an unknown step kind is reported with file, line and field") {
  const std::string message = problems_of(kHeader + "steps:\n  - check: health\n  - reboot: now\n");
  CHECK(message.find("bad.yaml:5: steps[2]: no step kind") != std::string::npos);
}

TEST_CASE("a key holding a line break is reported on one line, the break written as an escape") {
  // Found by playbook_fuzz: the key's newline split the problem in two, the second line naming
  // no file.
  const std::string message =
      problems_of(kHeader + "variables:\n  n: {type: int, \"defa\\nult\": 1}\nsteps:\n  - check: health\n");
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find("bad.yaml:4: variables.n.defa\\x0ault: unknown key") != std::string::npos);
}

TEST_CASE("an unknown check, action or condition names the known ones") {
  const std::string message =
      problems_of(kHeader + "steps:\n  - check: vibes\n  - act: reboot\n    node: a\n  - wait: forever\n");
  CHECK(message.find("bad.yaml:4: steps[1].check: unknown check 'vibes' (known: health, preflight") !=
        std::string::npos);
  CHECK(message.find("bad.yaml:5: steps[2].act: unknown action 'reboot'") != std::string::npos);
  CHECK(message.find("bad.yaml:7: steps[3].wait: unknown condition 'forever'") != std::string::npos);
}

TEST_CASE("a missing required parameter and an unknown parameter are each reported") {
  const std::string message =
      problems_of(kHeader + "steps:\n  - act: cleanup\n  - check: health\n    with: {colour: red}\n");
  CHECK(message.find("bad.yaml:4: steps[1].node: is required by cleanup") != std::string::npos);
  CHECK(message.find("bad.yaml:6: steps[2].with.colour: unknown parameter of health") != std::string::npos);
}

TEST_CASE("removenode and setstreamthroughput have their arguments checked before anything runs") {
  const std::string message =
      problems_of(kHeader +
                  "steps:\n  - act: removenode\n    node: a\n"
                  "  - act: removenode\n    node: a\n    with: {host_id: ''}\n"
                  "  - act: setstreamthroughput\n    node: a\n    with: {mib_per_second: -1}\n"
                  "  - act: setstreamthroughput\n    node: a\n    with: {mib_per_second: fast}\n"
                  "  - act: setstreamthroughput\n    node: a\n");
  CHECK_MESSAGE(message.find("bad.yaml:4: steps[1].with.host_id: is required by removenode") != std::string::npos,
                message);
  CHECK_MESSAGE(message.find("bad.yaml:8: steps[2].with.host_id: must not be empty") != std::string::npos, message);
  CHECK_MESSAGE(message.find("bad.yaml:11: steps[3].with.mib_per_second: must be a number of at least 0, not '-1'") !=
                    std::string::npos,
                message);
  CHECK_MESSAGE(message.find("bad.yaml:14: steps[4].with.mib_per_second: must be a number of at least 0, not 'fast'") !=
                    std::string::npos,
                message);
  CHECK_MESSAGE(message.find("bad.yaml:15: steps[5].with.mib_per_second: is required by setstreamthroughput") !=
                    std::string::npos,
                message);
  // A {{reference}} is checked when the step runs, its value known.
  const std::string good = kHeader +
                           "variables:\n  mib: {type: number, default: 0}\n  id: {type: string, default: ''}\n"
                           "steps:\n  - act: setstreamthroughput\n    node: a\n    with: {mib_per_second: '{{mib}}'}\n"
                           "  - act: removenode\n    node: a\n    with: {host_id: '{{id}}'}\n"
                           "  - act: setstreamthroughput\n    node: a\n    with: {mib_per_second: 2.5}\n";
  check_loads(good);
}

TEST_CASE("a variable's type and default are checked") {
  const std::string message = problems_of(kHeader +
                                          "variables:\n  count: {type: int, default: many}\n  size: {type: huge}\n"
                                          "steps:\n  - check: health\n");
  CHECK(message.find("bad.yaml:4: variables.count.default: expected an integer, got 'many'") != std::string::npos);
  CHECK(message.find("bad.yaml:5: variables.size.type: unknown type 'huge'") != std::string::npos);
}

TEST_CASE("a reference to nothing is reported, while foreach items and earlier exports are known") {
  const std::string good = kHeader +
                           "variables:\n  targets: {type: list, default: 'a,b'}\n"
                           "steps:\n  - check: plan_add\n  - foreach: targets\n    as: t\n    steps:\n"
                           "      - act: cleanup\n        node: '{{t}}'\n  - foreach: losing_nodes\n    as: n\n"
                           "    steps:\n      - act: cleanup\n        node: '{{n}}'\n";
  CHECK(parse_playbook(good, "good.yaml").ok());
  const std::string message =
      problems_of(kHeader + "steps:\n  - act: cleanup\n    node: '{{target}}'\n  - check: plan_add\n");
  CHECK(message.find("bad.yaml:5: steps[1].node: {{target}} is no variable") != std::string::npos);
  const std::string later =
      problems_of(kHeader + "steps:\n  - act: cleanup\n    node: '{{losing_nodes}}'\n  - check: plan_add\n");
  CHECK(later.find("steps[1].node: {{losing_nodes}} is no variable") != std::string::npos);
}

TEST_CASE("the new nodes but the last are a list once a foreach over new_nodes is done, not before") {
  const std::string cleanup_earlier =
      "  - foreach: earlier_new_nodes\n    as: n\n    steps:\n      - act: cleanup\n        node: '{{n}}'\n";
  const std::string add_nodes =
      "  - foreach: new_nodes\n    as: ordinal\n    steps:\n      - act: start_node\n"
      "        with: {ordinal: '{{ordinal}}'}\n";
  CHECK(parse_playbook(kHeader + "steps:\n" + add_nodes + cleanup_earlier, "good.yaml").ok());
  CHECK(problems_of(kHeader + "steps:\n" + cleanup_earlier + add_nodes)
            .find("bad.yaml:4: steps[1].foreach: 'earlier_new_nodes' is neither") != std::string::npos);
}

TEST_CASE("a foreach needs a known list, an item name and steps") {
  const std::string message = problems_of(kHeader + "steps:\n  - foreach: planets\n");
  CHECK(message.find("bad.yaml:4: steps[1].foreach: 'planets' is neither") != std::string::npos);
  CHECK(message.find("steps[1].as: is required") != std::string::npos);
  CHECK(message.find("steps[1].steps: must be a non-empty list") != std::string::npos);
}

TEST_CASE("text that is not YAML, and a playbook without steps") {
  CHECK(problems_of("name: [unclosed\n").find("bad.yaml:") == 0);
  CHECK(problems_of(kHeader).find("steps: must be a non-empty list of steps") != std::string::npos);
  CHECK(problems_of(kHeader + "steps:\n  - check: health\nstepz: 1\n").find("bad.yaml:5: stepz: unknown key") !=
        std::string::npos);
}

TEST_CASE("--var settings are bound over the defaults and checked against the types") {
  auto book = parse_playbook(kHeader +
                                 "variables:\n  count: {type: int, default: 1, min: 1, max: 4}\n"
                                 "  node: {type: string}\n  mode: {type: string, default: a, choices: [a, b]}\n"
                                 "steps:\n  - check: health\n",
                             "t.yaml");
  REQUIRE(book.ok());
  auto values = ringctl::playbook::bind_variables(*book, {"count=3", "node=127.0.0.2"});
  REQUIRE(values.ok());
  CHECK(values->at("count") == "3");
  CHECK(values->at("mode") == "a");
  auto bad = ringctl::playbook::bind_variables(*book, {"count=9", "mode=c", "colour=red", "oops"});
  REQUIRE_FALSE(bad.ok());
  const std::string message = bad.error().message();
  CHECK(message.find("--var count=9: expected an integer in 1..4, got '9'") != std::string::npos);
  CHECK(message.find("--var mode=c: expected one of a, b, got 'c'") != std::string::npos);
  CHECK(message.find("--var colour=red: playbook t has no variable colour") != std::string::npos);
  CHECK(message.find("--var oops: expected NAME=VALUE") != std::string::npos);
  // The file, the declaration's line and the field, as the loader reports its own problems.
  CHECK(message.find("t.yaml:5: variables.node: variable node has no default: give it with --var node=string") !=
        std::string::npos);
}

TEST_CASE("a shipped playbook's variable not given is named with the file and the line declaring it") {
  const std::string path = test_paths::in_source("playbooks/scale-down.yaml");
  const auto book = ringctl::playbook::load_playbook(path).value_or_throw();
  const auto values = ringctl::playbook::bind_variables(book, {});
  REQUIRE_FALSE(values.ok());
  CHECK(values.error().code() == ringcore::ErrorCode::kInvalidInput);
  // Every other variable has a default; node's line is found in the file as a reader would.
  std::ifstream in(path);
  int line = 0;
  int declared = 0;
  for (std::string text; declared == 0 && std::getline(in, text);) {
    ++line;
    if (text.starts_with("  node:")) declared = line;
  }
  REQUIRE(declared > 0);
  CHECK(values.error().message() == path + ":" + std::to_string(declared) +
                                        ": variables.node: variable node has no default: give it with --var " +
                                        "node=string (the address of the node to remove)");
}

TEST_CASE("a foreach over primary_segments needs its node and a count of at least 1, other lists take neither") {
  const std::string message = problems_of(
      kHeader +
      "steps:\n  - foreach: primary_segments\n    as: s\n    steps:\n      - act: repair\n        node: a\n"
      "  - foreach: primary_segments\n    node: a\n    count: 0\n    as: s\n    steps:\n"
      "      - act: repair\n        node: a\n"
      "  - foreach: nodes\n    node: a\n    as: n\n    steps:\n      - act: repair\n        node: '{{n}}'\n");
  for (const char* problem : {"bad.yaml:4: steps[1].node: is required by a foreach over primary_segments",
                              "bad.yaml:4: steps[1].count: is required by a foreach over primary_segments",
                              "bad.yaml:11: steps[2].count: '0' is not a whole number of at least 1",
                              "bad.yaml:17: steps[3].node: is only for a foreach over primary_segments"}) {
    CHECK_MESSAGE(message.find(problem) != std::string::npos, problem << " not in " << message);
  }
  // The shipped repair's shape: the segment bound as an item, given to the repair as its range.
  const std::string good =
      kHeader +
      "variables:\n  segments: {type: int, default: 3}\n"
      "steps:\n  - foreach: nodes\n    as: node\n    steps:\n"
      "      - foreach: primary_segments\n        node: '{{node}}'\n        count: '{{segments}}'\n"
      "        as: segment\n        steps:\n          - act: repair\n            node: '{{node}}'\n"
      "            with: {range: '{{segment}}'}\n";
  check_loads(good);
}
