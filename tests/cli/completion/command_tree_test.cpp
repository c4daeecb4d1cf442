// The command tree the completions and the manual test are written from: what it reads back
// from a CLI11 App, and how options fall through to subcommands.
#include <doctest/doctest.h>

#include <algorithm>

#include "completion/command_tree.h"
#include "completion/scripts.h"
#include "option_values.h"

namespace {

using ringctl::completion::CommandSpec;
using ringctl::completion::OptionSpec;
using ringctl::completion::ValueKind;

// A small CLI shaped like ringctl's: global options, a command with subcommands, a hidden one.
struct Cli {
  CLI::App app{"test", "tool"};
  std::string text;
  bool flag = false;
  Cli() {
    app.set_help_flag("--help", "Print help");
    app.fallthrough();
    ringctl::one_of(app.add_option("-o,--output", text, "Output format"), {"table", "json"});
    app.add_option("--cacert", text, "CA file")->type_name(ringctl::kFileValue);
    app.add_option("--cluster", text, "Cluster")->type_name(ringctl::kClusterValue);
    CLI::App* lab = app.add_subcommand("lab", "Run a lab");
    lab->add_option("--dir", text, "Lab directory")->type_name(ringctl::kDirectoryValue);
    CLI::App* up = lab->add_subcommand("up", "Start it");
    up->add_option("--nodes", text, "Node count");
    up->add_flag("--no-agents", flag, "No agents");
    up->add_option("-o,--output", text, "Up's own output");  // shadows the global one
    up->add_option("NAME", text, "A positional");
    CLI::App* down = lab->add_subcommand("down", "Stop it");
    ringctl::one_of(down->add_option("HOW", text, "How to stop"), {"now", "later"});
    lab->add_subcommand("run", "Run a playbook")
        ->add_option("PLAYBOOK", text, "Which")
        ->type_name(ringctl::kPlaybookValue);
    app.add_subcommand("secret", "Hidden")->group("");
    app.add_option("--hidden", text, "Hidden")->group("");
  }
};

const CommandSpec& command(const std::vector<CommandSpec>& tree, const std::string& path) {
  auto it = std::find_if(tree.begin(), tree.end(), [&](const CommandSpec& c) { return c.path == path; });
  REQUIRE(it != tree.end());
  return *it;
}

const OptionSpec* option(const CommandSpec& command, const std::string& name) {
  for (const OptionSpec& o : command.options) {
    if (std::find(o.names.begin(), o.names.end(), name) != o.names.end()) return &o;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("the tree lists every visible command, parents first, in registration order") {
  Cli cli;
  const auto tree = ringctl::completion::command_tree(cli.app);
  std::vector<std::string> paths;
  for (const CommandSpec& c : tree) paths.push_back(c.path);
  CHECK(paths == std::vector<std::string>{"", "lab", "lab up", "lab down", "lab run"});
  REQUIRE(command(tree, "lab").subcommands.size() == 3);
  CHECK(command(tree, "lab").subcommands[0].name == "up");
  CHECK(command(tree, "lab").subcommands[0].description == "Start it");
  CHECK(command(tree, "").subcommands.size() == 1);  // the hidden one is left out
  CHECK(option(command(tree, ""), "--hidden") == nullptr);
}

TEST_CASE("an option's value kind comes from how it was registered") {
  Cli cli;
  const auto tree = ringctl::completion::command_tree(cli.app);
  const CommandSpec& root = command(tree, "");
  REQUIRE(option(root, "-o") != nullptr);
  CHECK(option(root, "-o")->names == std::vector<std::string>{"-o", "--output"});
  CHECK(option(root, "-o")->value == ValueKind::kChoice);
  CHECK(option(root, "-o")->choices == std::vector<std::string>{"table", "json"});
  CHECK(option(root, "--cacert")->value == ValueKind::kFile);
  CHECK(option(root, "--cluster")->value == ValueKind::kCluster);
  CHECK(option(root, "--help")->value == ValueKind::kNone);
  const CommandSpec& up = command(tree, "lab up");
  CHECK(option(up, "--dir")->value == ValueKind::kDirectory);
  CHECK(option(up, "--nodes")->value == ValueKind::kFree);
  CHECK(option(up, "--no-agents")->value == ValueKind::kNone);
  CHECK(up.takes_arguments);
  CHECK(up.argument_choices.empty());
  CHECK_FALSE(command(tree, "lab").takes_arguments);
  CHECK(command(tree, "lab down").argument_choices == std::vector<std::string>{"now", "later"});
  // Arguments that name a playbook complete from `ringctl completion playbooks`; others from no list.
  CHECK(command(tree, "lab run").argument_list == "playbooks");
  CHECK(up.argument_list.empty());
  CHECK(command(tree, "lab down").argument_list.empty());
}

TEST_CASE("parents' options fall through to subcommands, and a subcommand's own option hides its parent's") {
  Cli cli;
  const auto tree = ringctl::completion::command_tree(cli.app);
  const CommandSpec& down = command(tree, "lab down");
  CHECK(option(down, "--dir")->defined_by == "lab");
  CHECK(option(down, "--cacert")->defined_by == "");
  CHECK(option(down, "-o")->defined_by == "");
  const CommandSpec& up = command(tree, "lab up");
  CHECK(option(up, "-o")->defined_by == "lab up");
  CHECK(option(up, "-o")->value == ValueKind::kFree);
  CHECK(std::count_if(up.options.begin(), up.options.end(), [](const OptionSpec& o) { return o.names[0] == "-o"; }) ==
        1);
  CHECK(std::count_if(up.options.begin(), up.options.end(),
                      [](const OptionSpec& o) { return o.names[0] == "--help"; }) == 1);
}

TEST_CASE("without fallthrough a subcommand accepts only its own options") {
  CLI::App app{"test", "tool"};
  std::string text;
  app.add_option("--global", text, "Global");
  app.add_subcommand("alone", "No fallthrough");
  const auto tree = ringctl::completion::command_tree(app);
  CHECK(option(command(tree, "alone"), "--global") == nullptr);
}

TEST_CASE("the listing has a line per command and per option a command registers itself") {
  Cli cli;
  const std::string listing = ringctl::completion::command_listing(ringctl::completion::command_tree(cli.app));
  CHECK(listing.find("lab\t\n") != std::string::npos);
  CHECK(listing.find("lab up\t\n") != std::string::npos);
  CHECK(listing.find("\t-o --output\n") != std::string::npos);
  CHECK(listing.find("lab\t--dir\n") != std::string::npos);
  CHECK(listing.find("lab up\t--dir\n") == std::string::npos);  // inherited: listed once, at lab
  CHECK(listing.find("secret") == std::string::npos);
}

TEST_CASE("one_of validates its choices and shows them as the type name") {
  CLI::App app{"test", "tool"};
  std::string level;
  CLI::Option* cl = ringctl::one_of(app.add_option("--cl", level, "Level"), {"ONE", "QUORUM"}, ringctl::Case::kIgnored);
  CHECK(ringctl::option_choices(*cl) == std::vector<std::string>{"ONE", "QUORUM"});
  CHECK(cl->get_type_name() == "ONE|QUORUM");
  app.parse(std::vector<std::string>{"quorum", "--cl"});  // CLI11 parses the reversed argv
  CHECK(level == "quorum");                               // accepted; letter case is the command's to normalise
  CHECK_THROWS_AS(app.parse(std::vector<std::string>{"TWO", "--cl"}), CLI::ValidationError);
  std::string free;
  CHECK(ringctl::option_choices(*app.add_option("--free", free, "Free")).empty());
}
