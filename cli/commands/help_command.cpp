// ringctl help [COMMAND]; "unknown command 'stauts' (did you mean status?)"; and every
// command's help showing the global options and where the command reads the cluster from.
#include <algorithm>
#include <memory>
#include <sstream>

#include "commands/command_context.h"
#include "exit_codes.h"

namespace ringctl {
namespace {

// Whether `option` as typed ("-h", "--dir"; not "--dir=x") takes the next word as its value, as
// `command` or a parent of it registered the option: that word is then no command.
bool takes_value(const CLI::App& command, std::string_view option) {
  if (option.find('=') != std::string_view::npos) return false;
  for (const CLI::App* app = &command; app != nullptr; app = app->get_parent()) {
    if (const CLI::Option* found = app->get_option_no_throw(std::string(option))) {
      return found->get_items_expected_max() > 0;
    }
  }
  return false;
}

bool has_positionals(const CLI::App& command) {
  return !command.get_options([](const CLI::Option* option) { return option->get_positional(); }).empty();
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(command->get_name());
  }
  return names;
}

// The help text of the options of `app` itself (not its commands'), one per line.
std::string global_options_text(const CLI::App& app) {
  std::ostringstream text;
  text << "Global options (before or after the command):\n";
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_name() == "--help" || option->get_name() == "--version") continue;
    std::string name = option->get_name(false, true);
    if (!option->get_type_name().empty()) name += " " + option->get_type_name();
    text << "  " << name << std::string(name.size() < 28 ? 28 - name.size() : 1, ' ') << option->get_description()
         << '\n';
  }
  return text.str();
}

std::string where_it_reads(const CLI::App& command) {
  const bool offline = command.get_option_no_throw("--ring") != nullptr;
  if (offline) {
    return "Without --ring FILE, the command asks the agents (ringd): the one named with -h HOST[:PORT], else the "
           "agents of --cluster NAME or of the default cluster in the cluster config.\n";
  }
  return "The command asks the agents (ringd): the one named with -h HOST[:PORT], else the agents of --cluster NAME "
         "or of the default cluster in the cluster config.\n";
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_command_message(const std::string& word, const std::vector<std::string>& commands,
                                    const std::string& parent) {
  const std::string prefix = parent.empty() ? "" : parent + " ";
  std::string message = "unknown command '" + prefix + word + "'";
  std::string best;
  std::size_t best_distance = 0;
  for (const std::string& command : commands) {
    const std::size_t distance = edit_distance(word, command);
    if (best.empty() || distance < best_distance) {
      best = command;
      best_distance = distance;
    }
  }
  // A suggestion only when it is close: at most a third of the word's letters wrong.
  if (!best.empty() && best_distance <= std::max<std::size_t>(1, word.size() / 3))
    message += " (did you mean " + prefix + best + "?)";
  return message + "; " +
         (parent.empty() ? "ringctl help lists the commands" : "ringctl help " + parent + " lists them");
}

std::optional<std::string> check_command_word(const CLI::App& app, int argc, char** argv) {
  const CLI::App* command = &app;
  std::string path;  // the command words so far: "lab"
  bool asks_help = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return std::nullopt;
    if (arg.starts_with("-")) {
      asks_help = asks_help || arg == "--help" || arg == "--version";
      if (takes_value(*command, arg)) ++i;
      continue;
    }
    const std::vector<std::string> names = command_names(*command);
    if (names.empty() || has_positionals(*command)) return std::nullopt;  // the word is an argument
    if (std::find(names.begin(), names.end(), arg) == names.end()) {
      return unknown_command_message(std::string(arg), names, path);
    }
    command = command->get_subcommand(std::string(arg));
    path += (path.empty() ? "" : " ") + std::string(arg);
  }
  if (asks_help || command->get_require_subcommand_min() == 0) return std::nullopt;
  std::string names;
  for (const std::string& name : command_names(*command)) names += (names.empty() ? "" : ", ") + name;
  if (path.empty()) return "a command is required; ringctl help lists the commands";
  return "'" + path + "' needs a command: " + names + "; ringctl help " + path + " explains them";
}

void register_help_command(CLI::App& app) {
  auto topic = std::make_shared<std::string>();
  CLI::App* help = app.add_subcommand("help", "Print the help of ringctl, or of COMMAND");
  help->add_option("COMMAND", *topic, "The command to explain");
  help->callback([&app, topic] {
    if (topic->empty()) {
      // Not app.help(): once a command is parsed (help itself), that gives the command's help.
      std::cout << app.get_formatter()->make_help(&app, "ringctl", CLI::AppFormatMode::Normal);
      return;
    }
    const std::vector<std::string> names = command_names(app);
    if (std::find(names.begin(), names.end(), *topic) == names.end()) {
      throw ringcore::Error::invalid_input(unknown_command_message(*topic, names));
    }
    std::cout << app.get_subcommand(*topic)->help("ringctl");
  });
}

void add_global_options_to_help(CLI::App& app) {
  const std::string global = global_options_text(app);
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    if (command->get_name() == "help") continue;
    command->footer("\n" + where_it_reads(*command) + "\n" + global + "\n" + exit_code_help());
  }
}

}  // namespace ringctl
