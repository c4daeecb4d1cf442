#include "playbook/lab_launcher.h"

#include <signal.h>

#include "lab/lab_agents.h"
#include "lab/lab_lifecycle.h"
#include "lab/lab_processes.h"

namespace ringctl::playbook {
namespace {

constexpr auto kAgentReadyTimeout = std::chrono::seconds(60);
constexpr auto kStopGrace = std::chrono::seconds(15);

// The lab member at `address`, or nullptr.
const lab::LabNode* member_at(const lab::Lab& lab, const std::string& address) {
  for (const lab::LabNode& node : lab.nodes) {
    if (node.address == address) return &node;
  }
  return nullptr;
}

template <class Fn>
auto catching(Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const ringcore::Error& e) {
    return e;
  }
}

class LabLauncher : public Launcher {
 public:
  explicit LabLauncher(LauncherSettings settings) : settings_(std::move(settings)) {
    if (settings_.lab_directory.empty()) settings_.lab_directory = lab::default_lab_directory();
  }

  std::string kind() const override { return "lab"; }

  ringcore::Result<LaunchNode> plan_node(int /*ordinal*/, const std::string& dc) override {
    return catching([&]() -> ringcore::Result<LaunchNode> {
      const lab::Lab lab = lab::load_members(settings_.lab_directory);
      if (lab.nodes.empty()) return ringcore::Error::invalid_input("the lab in " + lab.directory + " has no members");
      const lab::LabNode next = lab::plan_added_node(lab, dc.empty() ? lab.nodes.front().dc : dc, "", false);
      return LaunchNode{next.address, next.dc, next.rack};
    });
  }

  ringcore::Status start(const LaunchNode& node) override {
    return catching([&]() -> ringcore::Status {
      lab::Lab lab = lab::load_members(settings_.lab_directory);
      if (const lab::LabNode* member = member_at(lab, node.address)) {
        // Started before (a resumed run): never a second node; only what is not running.
        if (!lab::running_pid(lab, *member)) lab::start_node(lab, *member, lab::find_ringnode_binary());
        if (!lab::running_agent_pid(lab, *member)) lab::start_agents(lab, kAgentReadyTimeout);
        return ringcore::Ok{};
      }
      const lab::LabNode next =
          lab::plan_added_node(lab, node.dc.empty() ? lab.nodes.front().dc : node.dc, node.rack, false);
      if (next.address != node.address) {
        return ringcore::Error::conflict("the lab would start its next node at " + next.address + ", not at " +
                                         node.address +
                                         " as this run planned: was a node added to it meanwhile? (ringctl lab list)");
      }
      lab::AddRequest request;
      request.directory = settings_.lab_directory;
      request.dc = node.dc;
      request.rack = node.rack;
      request.stream_throughput_mib = settings_.stream_throughput_mib;
      lab = lab::launch_new_member(request);
      if (lab::has_agents(lab)) lab::start_agents(lab, kAgentReadyTimeout);  // registers the new agent
      return ringcore::Ok{};
    });
  }

  ringcore::Status stop(const LaunchNode& node) override {
    return catching([&]() -> ringcore::Status {
      // A node that has left the ring is taken out of the lab here (its processes stopped, the
      // cluster config's agents updated), as every lab command does.
      const lab::Lab lab = lab::load_members(settings_.lab_directory);
      if (const lab::LabNode* member = member_at(lab, node.address)) {
        lab::stop_node_and_agent(lab, *member, kStopGrace);
        return ringcore::Ok{};
      }
      for (const lab::LabNode& gone : lab.departed) {
        if (gone.address == node.address) return ringcore::Ok{};  // out of the lab: stopped
      }
      return ringcore::Error::not_found("no lab member at " + node.address + " in " + lab.directory);
    });
  }

 private:
  LauncherSettings settings_;
};

}  // namespace

std::unique_ptr<Launcher> make_lab_launcher(const LauncherSettings& settings) {
  return std::make_unique<LabLauncher>(settings);
}

}  // namespace ringctl::playbook
