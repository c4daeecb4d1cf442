#include "completion/command_tree.h"

#include <algorithm>

#include "option_values.h"

namespace ringctl::completion {
namespace {

ValueKind value_kind(CLI::Option& option, const std::vector<std::string>& choices) {
  if (option.get_items_expected_max() == 0) return ValueKind::kNone;
  if (!choices.empty()) return ValueKind::kChoice;
  const std::string type_name = option.get_type_name();
  const std::string type = type_name.substr(0, type_name.find(':'));
  if (type == kFileValue) return ValueKind::kFile;
  if (type == kDirectoryValue) return ValueKind::kDirectory;
  if (type == kClusterValue) return ValueKind::kCluster;
  if (type == kPlaybookValue) return ValueKind::kPlaybook;
  return ValueKind::kFree;
}

OptionSpec option_spec(CLI::Option& option, const std::string& path) {
  OptionSpec spec;
  for (const std::string& name : option.get_snames()) spec.names.push_back("-" + name);
  for (const std::string& name : option.get_lnames()) spec.names.push_back("--" + name);
  spec.description = option.get_description();
  spec.choices = option_choices(option);
  spec.value = value_kind(option, spec.choices);
  spec.defined_by = path;
  return spec;
}

bool shares_a_name(const OptionSpec& a, const OptionSpec& b) {
  return std::any_of(a.names.begin(), a.names.end(), [&b](const std::string& name) {
    return std::find(b.names.begin(), b.names.end(), name) != b.names.end();
  });
}

void add_command(CLI::App& app, const std::string& path, const std::vector<OptionSpec>& inherited,
                 std::vector<CommandSpec>& tree) {
  CommandSpec command;
  command.path = path;
  command.description = app.get_description();
  for (CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    if (option->get_positional()) {
      command.takes_arguments = true;
      const std::vector<std::string> choices = option_choices(*option);
      command.argument_choices.insert(command.argument_choices.end(), choices.begin(), choices.end());
      if (command.argument_list.empty()) command.argument_list = completion_list(value_kind(*option, choices));
    }
    if (option->nonpositional()) command.options.push_back(option_spec(*option, path));
  }
  if (app.get_fallthrough()) {
    const std::size_t own = command.options.size();
    for (const OptionSpec& option : inherited) {
      const bool shadowed = std::any_of(command.options.begin(), command.options.begin() + static_cast<long>(own),
                                        [&option](const OptionSpec& mine) { return shares_a_name(mine, option); });
      if (!shadowed) command.options.push_back(option);
    }
  }
  std::vector<CLI::App*> subcommands = app.get_subcommands([](CLI::App* sub) { return !sub->get_group().empty(); });
  for (CLI::App* sub : subcommands) command.subcommands.push_back({sub->get_name(), sub->get_description()});
  const std::vector<OptionSpec> options = command.options;
  tree.push_back(std::move(command));
  for (CLI::App* sub : subcommands) {
    add_command(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), options, tree);
  }
}

}  // namespace

std::vector<CommandSpec> command_tree(CLI::App& app) {
  std::vector<CommandSpec> tree;
  add_command(app, "", {}, tree);
  return tree;
}

std::string completion_list(ValueKind kind) {
  if (kind == ValueKind::kCluster) return "clusters";
  if (kind == ValueKind::kPlaybook) return "playbooks";
  return "";
}

std::vector<const OptionSpec*> own_options(const CommandSpec& command) {
  std::vector<const OptionSpec*> own;
  for (const OptionSpec& option : command.options) {
    if (option.defined_by == command.path) own.push_back(&option);
  }
  return own;
}

}  // namespace ringctl::completion
