// What the bash, zsh and fish writers share: option names, bash and zsh quoting, and the
// _ringctl_value function, written alike for bash and zsh.
#include "completion/scripts.h"

namespace ringctl::completion {

std::string option_names(const std::vector<const OptionSpec*>& options) {
  std::string names;
  for (const OptionSpec* option : options) {
    for (const std::string& name : option->names) names += (names.empty() ? "" : " ") + name;
  }
  return names;
}

void write_value_function(const std::vector<CommandSpec>& tree,
                          const std::function<std::string(const OptionSpec&)>& completion, std::ostream& out) {
  out << "# _ringctl_value PATH OPTION: completes the value of OPTION as the command PATH registered\n"
         "# it; fails when PATH did not register OPTION.\n"
         "_ringctl_value() {\n"
         "  case \"$1/$2\" in\n";
  for (const CommandSpec& command : tree) {
    for (const OptionSpec* option : own_options(command)) {
      if (option->value == ValueKind::kNone) continue;
      std::string patterns;
      for (const std::string& name : option->names) {
        patterns += (patterns.empty() ? "" : "|") + single_quoted(command.path + "/" + name);
      }
      out << "    (" << patterns << ") " << completion(*option) << " ;;\n";
    }
  }
  out << "    (*) return 1 ;;\n"
         "  esac\n"
         "}\n\n";
}

std::string single_quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace ringctl::completion
