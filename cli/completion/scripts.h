// The completion script for each shell, and a plain listing of the commands and options, all
// written from the command tree (command_tree.h). Each script walks the words typed so far
// through the tree: option values are skipped as values (so `-h HOST:PORT` or `lab --dir DIR`
// never reads as a command), a command name descends, and what follows is offered.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "completion/command_tree.h"

namespace ringctl::completion {

std::string bash_script(const std::vector<CommandSpec>& tree);
std::string zsh_script(const std::vector<CommandSpec>& tree);
std::string fish_script(const std::vector<CommandSpec>& tree);

// One line per command, then one per option it registers itself: "PATH<TAB>" for a command,
// "PATH<TAB>NAMES" for an option (names separated by spaces). PATH is empty for ringctl itself.
std::string command_listing(const std::vector<CommandSpec>& tree);

// The names of these options, separated by spaces.
std::string option_names(const std::vector<const OptionSpec*>& options);

// Writes _ringctl_value PATH OPTION for bash or zsh (the same syntax in both): one case arm
// per option that takes a value, as the command registering it defined it, running
// `completion(option)`; other PATH/OPTION pairs return 1.
void write_value_function(const std::vector<CommandSpec>& tree,
                          const std::function<std::string(const OptionSpec&)>& completion, std::ostream& out);

// `text` as one single-quoted word for bash and zsh.
std::string single_quoted(const std::string& text);

}  // namespace ringctl::completion
