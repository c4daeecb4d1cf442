#include "playbook/command_launcher.h"

#include <algorithm>
#include <cctype>

#include "playbook/launch_commands.h"
#include "playbook/local_process.h"

namespace ringctl::playbook {

namespace {

using ringcore::Error;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

Error split_error(const std::string& command, const std::string& what) {
  return Error::invalid_input("command '" + command + "': " + what);
}

// `word` with each {name} replaced by its value; an unknown {name} (letters and _) is an error,
// any other brace is kept.
ringcore::Result<std::string> replace_placeholders(const std::string& command, const std::string& word,
                                                   const LaunchNode& node) {
  std::string replaced;
  for (std::size_t i = 0; i < word.size();) {
    const std::size_t close = word[i] == '{' ? word.find('}', i) : std::string::npos;
    if (close == std::string::npos) {
      replaced += word[i++];
      continue;
    }
    const std::string name = word.substr(i + 1, close - i - 1);
    const bool is_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::islower(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
    if (!is_name) {
      replaced += word[i++];
      continue;
    }
    if (name == "address") {
      replaced += node.address;
    } else if (name == "dc") {
      replaced += node.dc;
    } else if (name == "rack") {
      replaced += node.rack;
    } else {
      return split_error(command, "unknown placeholder {" + name + "} (known: {address}, {dc}, {rack})");
    }
    i = close + 1;
  }
  return replaced;
}

}  // namespace

ringcore::Result<std::vector<std::string>> split_command_words(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (is_space(c)) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == command.size()) return split_error(command, "ends with a backslash that escapes nothing");
      word += command[i];
    } else if (c == '\'') {
      const std::size_t close = command.find('\'', i + 1);
      if (close == std::string::npos)
        return split_error(command, "a ' at offset " + std::to_string(i) + " is not closed");
      word += command.substr(i + 1, close - i - 1);
      i = close;
    } else if (c == '"') {
      const std::size_t open = i;
      for (++i; i < command.size() && command[i] != '"'; ++i) {
        if (command[i] == '\\' && i + 1 < command.size() && (command[i + 1] == '"' || command[i + 1] == '\\')) ++i;
        word += command[i];
      }
      if (i == command.size()) return split_error(command, "a \" at offset " + std::to_string(open) + " is not closed");
    } else {
      word += c;
    }
  }
  if (in_word) words.push_back(word);
  if (words.empty()) return split_error(command, "has no program to run");
  return words;
}

ringcore::Result<std::vector<std::string>> command_argv(const std::string& command, const LaunchNode& node) {
  auto words = split_command_words(command);
  if (!words) return words.error();
  std::vector<std::string> argv;
  for (const std::string& word : *words) {
    auto replaced = replace_placeholders(command, word, node);
    if (!replaced) return replaced.error();
    argv.push_back(std::move(replaced).value());
  }
  return argv;
}

ringcore::Status CommandLauncher::run(const LaunchNode& node, const std::string& step,
                                      const std::string& command) const {
  auto argv = command_argv(command, node);
  if (!argv) return argv.error();
  const std::string what = step + " " + node.address + ": " + command;
  auto ran = run_local(*argv, settings().command_timeout);
  if (!ran) return ran.error().with_context(what);
  return command_outcome(what, ran->exit_status, ran->out, ran->err);
}

ringcore::Result<std::unique_ptr<Launcher>> make_command_launcher(const LauncherSettings& settings) {
  if (settings.start_command.empty() && settings.stop_command.empty()) {
    return Error::invalid_input("launcher command: needs start_command or stop_command (what the playbook does)");
  }
  for (const auto& [name, command] :
       {std::pair<std::string, const std::string&>{"start_command", settings.start_command},
        std::pair<std::string, const std::string&>{"stop_command", settings.stop_command}}) {
    if (command.empty()) continue;  // refused by start() or stop(), if the playbook calls it
    if (auto argv = command_argv(command, LaunchNode{"127.0.0.1", "", ""}); !argv) {
      return argv.error().with_context("launcher command: " + name);
    }
  }
  return std::unique_ptr<Launcher>(std::make_unique<CommandLauncher>(settings));
}

}  // namespace ringctl::playbook
