// The `command` launcher: a node is started and stopped by a local command, e.g.
// `systemctl start cassandra@{address}` or `ansible-playbook start.yml -l {address}`, with the
// node's values put in. The commands must be idempotent, as the Launcher contract asks.
//
// No shell runs the command, so nothing in it or in a node's values is expanded or
// interpreted. The command is split into words like this, and only like this:
//   - words are separated by spaces, tabs and newlines;
//   - '...' keeps everything inside as it is;
//   - "..." keeps everything inside as it is, except that \" and \\ stand for " and \;
//   - outside quotes, a backslash keeps the next character as it is (\  is a space in a word);
//   - $, *, ?, ~, |, ;, &, <, > and ` are ordinary characters: no variables, globs, pipes or
//     redirections (to have them, say so: sh -c '...');
//   - then, in each word, {address}, {dc} and {rack} are replaced by the node's values, so a
//     value never splits a word or becomes an option of its own.
// The first word is the program, looked up on PATH; it runs as cli/playbook/local_process.h
// says (no stdin, its own process group, killed at command_timeout).
//
// Errors: kInvalidInput for a command that does not split (an unclosed quote, a trailing
// backslash), an unknown {placeholder}, or a program that cannot be run; kTimedOut; kFailed
// for a non-zero exit status, with the status and the command's output.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "playbook/launch_commands.h"
#include "ringcore/error.h"

namespace ringctl::playbook {

// The words of `command` by the rules above, before placeholders are replaced.
ringcore::Result<std::vector<std::string>> split_command_words(const std::string& command);

// The argv that `command` runs for `node`: its words with {address}, {dc} and {rack} replaced.
ringcore::Result<std::vector<std::string>> command_argv(const std::string& command, const LaunchNode& node);

class CommandLauncher : public CommandsLauncher {
 public:
  // REQUIRES: settings.kind == "command". make_command_launcher checks the settings.
  using CommandsLauncher::CommandsLauncher;
  std::string kind() const override { return "command"; }

 private:
  ringcore::Status run(const LaunchNode& node, const std::string& step, const std::string& command) const override;
};

// A CommandLauncher, or kInvalidInput when it has neither start_command nor stop_command, or
// for a command that does not split or names an unknown placeholder: found here, before
// anything runs. hosts are needed only to plan new nodes (plan_node), a command only when used.
ringcore::Result<std::unique_ptr<Launcher>> make_command_launcher(const LauncherSettings& settings);

}  // namespace ringctl::playbook
