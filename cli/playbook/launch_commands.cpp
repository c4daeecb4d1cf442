#include "playbook/launch_commands.h"

namespace ringctl::playbook {

namespace {

// At most the last `limit` bytes of `text`, marked when cut, so one failed command's message
// stays readable.
std::string tail_of(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  return "..." + text.substr(text.size() - limit);
}

}  // namespace

ringcore::Result<LaunchNode> CommandsLauncher::plan_node(int ordinal, const std::string& dc) {
  const std::vector<std::string>& hosts = settings_.hosts;
  if (ordinal < 1 || static_cast<std::size_t>(ordinal) > hosts.size()) {
    return ringcore::Error::invalid_input("hosts: node " + std::to_string(ordinal) + " needs a host, and " +
                                          std::to_string(hosts.size()) + " " + (hosts.size() == 1 ? "is" : "are") +
                                          " given (give one per new node)");
  }
  return LaunchNode{hosts[static_cast<std::size_t>(ordinal) - 1], dc, ""};
}

ringcore::Status CommandsLauncher::start(const LaunchNode& node) {
  if (settings_.start_command.empty()) {
    return ringcore::Error::invalid_input("launcher " + kind() + ": needs start_command, the command that starts " +
                                          node.address);
  }
  return run(node, "start", settings_.start_command);
}

ringcore::Status CommandsLauncher::stop(const LaunchNode& node) {
  if (settings_.stop_command.empty()) {
    return ringcore::Error::invalid_input("launcher " + kind() + ": needs stop_command, the command that stops " +
                                          node.address);
  }
  return run(node, "stop", settings_.stop_command);
}

ringcore::Status command_outcome(const std::string& what, int exit_status, const std::string& out,
                                 const std::string& err) {
  if (exit_status == 0) return ringcore::Ok{};
  std::string output = err.empty() ? out : err;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  std::string message = what + ": failed with exit status " + std::to_string(exit_status);
  if (!output.empty()) message += "; its output: " + tail_of(output, 2000);
  return ringcore::Error::failed(message);
}

}  // namespace ringctl::playbook
