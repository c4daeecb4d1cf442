#include "snapshot_source.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cluster_config.h"

namespace ringctl {
namespace {

// A snapshot of a thousand nodes with 256 tokens each is about 6 MiB; anything past this is no
// snapshot (a device such as /dev/zero, a wrong file) and is refused before it fills memory.
constexpr std::size_t kMaxRingFileBytes = std::size_t{64} << 20;

std::string read_bounded(std::istream& in, const std::string& name) {
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer), in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxRingFileBytes) {
      throw ringcore::Error::invalid_input("ring file '" + name + "' is larger than " +
                                           std::to_string(kMaxRingFileBytes >> 20) +
                                           " MiB: not a snapshot (docs/snapshot-format.md)");
    }
  }
  if (in.bad()) throw ringcore::Error::invalid_input("cannot read ring file '" + name + "': " + std::strerror(errno));
  return text;
}

std::string read_all(const std::string& path) {
  if (path == "-") return read_bounded(std::cin, "-");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ringcore::Error::invalid_input("cannot read ring file '" + path + "': " + std::strerror(errno));
  return read_bounded(file, path);
}

std::string env_token() {
  const char* token = std::getenv("RINGCTL_TOKEN");
  return token != nullptr ? token : "";
}

}  // namespace

AgentOptions agent_options(const SnapshotSource& source) {
  AgentOptions options;
  if (!source.host.empty()) {
    options.agents = {source.host};
    options.named_target = true;
  } else {
    const std::string path = cluster_config_path();
    const auto config = load_cluster_config(path);
    if (!config) {
      throw ringcore::Error::invalid_input(
          "no cluster to read: give --ring FILE (a snapshot, see docs/snapshot-format.md), -h HOST[:PORT] (an agent), "
          "or name clusters in " +
          path + " (ringctl lab up registers its lab there)");
    }
    const ClusterEntry& entry = select_cluster(*config, source.cluster, path);
    options.agents = entry.agents;
    options.token = entry.token;
    options.cacert = entry.cacert;
  }
  if (const std::string token = env_token(); !token.empty()) options.token = token;
  if (!source.token.empty()) options.token = source.token;
  if (!source.cacert.empty()) options.cacert = source.cacert;
  return options;
}

AgentClient connect_agents(const SnapshotSource& source) { return AgentClient(agent_options(source)); }

namespace {

// The address of the node beside `agent`, from its node facts; "" when they cannot be had from
// that very agent.
std::string own_node_address(AgentClient& agent, const std::string& agent_address) {
  try {
    const nlohmann::json node = agent.get("/v1/node");
    if (agent.answered_by() != agent_address) return "";
    return node.value("node", nlohmann::json::object()).value("address", "");
  } catch (const ringcore::Error&) {
    return "";
  }
}

// Which agent answered and how fresh its answer is (its "freshness" member, docs/api.md).
ViewFreshness freshness_of(const FreshestAnswer& answer) {
  ViewFreshness freshness;
  freshness.agent = answer.agent;
  freshness.stale = answer.stale;
  freshness.agents_asked = answer.agents_asked;
  const nlohmann::json meta = answer.body.value("freshness", nlohmann::json::object());
  if (meta.is_object()) {
    if (const auto age = meta.find("age_seconds"); age != meta.end() && age->is_number())
      freshness.age_seconds = age->get<double>();
    if (const auto error = meta.find("error"); error != meta.end() && error->is_string())
      freshness.error = error->get<std::string>();
  }
  return freshness;
}

}  // namespace

ClusterView load_cluster_view(const SnapshotSource& source) {
  if (!source.ring_file.empty()) {
    auto snapshot = ringcore::parse_snapshot(read_all(source.ring_file));
    if (!snapshot) throw snapshot.error().with_context("ring file '" + source.ring_file + "'");
    return {std::move(snapshot).value(), std::nullopt};
  }
  AgentClient agent = connect_agents(source);
  const FreshestAnswer answer = agent.get_freshest("/v1/cluster");
  if (!answer.body.contains("snapshot")) {
    throw ringcore::Error::failed("agent " + answer.agent + ": /v1/cluster has no \"snapshot\"");
  }
  auto parsed = ringcore::parse_snapshot(answer.body["snapshot"].dump());
  if (!parsed) throw parsed.error().with_context("agent " + answer.agent + "'s /v1/cluster");
  ClusterView view{std::move(parsed).value(), freshness_of(answer)};
  if (answer.stale) {
    const std::string own = own_node_address(agent, answer.agent);
    for (ringcore::Node& node : view.snapshot.nodes) {
      // Unknown unless it says down: which node is its own is not known, so none is trusted up.
      const bool distrusted = own.empty() || node.address == own;
      if (!distrusted || node.status == ringcore::NodeStatus::kDown) continue;
      node.status = ringcore::NodeStatus::kUnknown;
      view.freshness->distrusted_nodes.push_back(node.address);
    }
  }
  return view;
}

ringcore::ClusterSnapshot load_snapshot(const SnapshotSource& source) {
  ClusterView view = load_cluster_view(source);
  if (view.freshness && view.freshness->stale) print_freshness_line(view.freshness, std::cerr);
  return std::move(view.snapshot);
}

AgentView load_agent_view(AgentClient& agent, const std::string& path, const char* field) {
  FreshestAnswer answer = agent.get_freshest(path);
  const auto member = answer.body.find(field);
  nlohmann::json document = member != answer.body.end() && !member->is_null() ? *member : nlohmann::json::object();
  return {std::move(document), freshness_of(answer)};
}

}  // namespace ringctl
