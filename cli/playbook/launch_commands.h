// What the ssh and command launchers share: the new nodes' hosts, taken in order, start and
// stop as commands, and how a command's outcome becomes a launcher's Status.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "playbook/launcher.h"
#include "ringcore/error.h"

namespace ringctl::playbook {

// A launcher whose new nodes are settings.hosts, in order, and whose start and stop run
// settings.start_command and settings.stop_command for the node; run() says where and how.
// A playbook gives only the commands its steps use (scale-down stops a node and never starts
// one, scale-up the reverse), so either may be empty: start() or stop() without its command
// is then kInvalidInput naming the missing variable, and nothing runs.
class CommandsLauncher : public Launcher {
 public:
  explicit CommandsLauncher(LauncherSettings settings) : settings_(std::move(settings)) {}

  // hosts[ordinal - 1] as the node, in `dc` ("" = the launcher's default). kInvalidInput when
  // there are fewer hosts than `ordinal` (naming how many there are).
  ringcore::Result<LaunchNode> plan_node(int ordinal, const std::string& dc) override;
  ringcore::Status start(const LaunchNode& node) override;
  ringcore::Status stop(const LaunchNode& node) override;

 protected:
  // Runs `command` for `node`; `step` ("start" or "stop") is for messages.
  virtual ringcore::Status run(const LaunchNode& node, const std::string& step, const std::string& command) const = 0;
  const LauncherSettings& settings() const { return settings_; }

 private:
  LauncherSettings settings_;
};

// What a start or stop command that ran did, as a launcher's answer: OK on exit status 0; else
// kFailed naming `what` (e.g. "start on 10.0.0.5: sudo systemctl start cassandra"), the exit
// status and the end of its output (stderr, or stdout when stderr is empty).
ringcore::Status command_outcome(const std::string& what, int exit_status, const std::string& out,
                                 const std::string& err);

}  // namespace ringctl::playbook
