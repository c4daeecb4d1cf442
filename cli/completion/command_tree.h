// ringctl's commands and options as the shell completions and the manual test need them, read
// from CLI11's own command tree, so that whatever a command registers is completed without
// anyone editing the completion scripts.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ringctl::completion {

// How an option's value completes (see option_values.h for how a command states it).
enum class ValueKind {
  kNone,       // a flag: no value
  kFree,       // any value; nothing to offer
  kFile,       // a file name
  kDirectory,  // a directory name
  kCluster,    // a cluster of the cluster config, as `ringctl completion clusters` lists them
  kPlaybook,   // a playbook, as `ringctl completion playbooks` lists them
  kChoice,     // one of `choices`
};

struct OptionSpec {
  std::vector<std::string> names;  // short names first ("-o", "--output")
  std::string description;
  ValueKind value = ValueKind::kNone;
  std::vector<std::string> choices;  // kChoice only
  std::string defined_by;            // the path of the command that registered it
};

struct SubcommandSpec {
  std::string name;
  std::string description;
};

struct CommandSpec {
  std::string path;  // "" for ringctl itself, else names joined by spaces: "lab up"
  std::string description;
  std::vector<SubcommandSpec> subcommands;
  // Every option the command accepts: its own, then those its parents let fall through to it
  // (global options after a subcommand), a parent's hidden where the command has its own.
  std::vector<OptionSpec> options;
  bool takes_arguments = false;               // has positional arguments
  std::vector<std::string> argument_choices;  // the words one_of allows its positional arguments
  // What `ringctl completion LIST` lists the words of its positional arguments ("playbooks"),
  // when they name a cluster or a playbook; empty otherwise.
  std::string argument_list;
};

// Every visible command of `app`, ringctl itself first and each parent before its children,
// in registration order. Hidden commands and options (CLI11's empty group) are left out.
std::vector<CommandSpec> command_tree(CLI::App& app);

// The argument of `ringctl completion` that lists the words of a value of this kind while the
// shell completes ("clusters", "playbooks"); empty for a kind whose words are not listed so.
std::string completion_list(ValueKind kind);

// The options `command` registered itself (defined_by == path).
std::vector<const OptionSpec*> own_options(const CommandSpec& command);

}  // namespace ringctl::completion
