#include "completion/scripts.h"

namespace ringctl::completion {

std::string command_listing(const std::vector<CommandSpec>& tree) {
  std::string listing;
  for (const CommandSpec& command : tree) {
    if (!command.path.empty()) listing += command.path + "\t\n";
    for (const OptionSpec* option : own_options(command))
      listing += command.path + "\t" + option_names({option}) + "\n";
  }
  return listing;
}

}  // namespace ringctl::completion
