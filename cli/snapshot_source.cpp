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

std::string read_all(const std::string& path) {
  if (path == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ringcore::Error::invalid_input("cannot read ring file '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
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
  } else {
    const std::string path = cluster_config_path();
    const auto config = load_cluster_config(path);
    if (!config) {
      throw ringcore::Error::invalid_input(
          "no cluster to read: give --ring FILE (a snapshot, see docs/snapshot-format.md), -h HOST[:PORT] (an agent), "
          "or name clusters in " + path + " (ringctl lab up registers its lab there)");
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

ringcore::ClusterSnapshot load_snapshot(const SnapshotSource& source) {
  if (!source.ring_file.empty()) {
    auto snapshot = ringcore::parse_snapshot(read_all(source.ring_file));
    if (!snapshot) throw snapshot.error().with_context("ring file '" + source.ring_file + "'");
    return std::move(snapshot).value();
  }
  AgentClient agent = connect_agents(source);
  const nlohmann::json answer = agent.get("/v1/cluster");
  warn_if_stale(answer, agent);
  if (!answer.contains("snapshot")) {
    throw ringcore::Error::failed("agent " + agent.answered_by() + ": /v1/cluster has no \"snapshot\"");
  }
  auto snapshot = ringcore::parse_snapshot(answer["snapshot"].dump());
  if (!snapshot) throw snapshot.error().with_context("agent " + agent.answered_by() + "'s /v1/cluster");
  return std::move(snapshot).value();
}

void warn_if_stale(const nlohmann::json& answer, const AgentClient& agent) {
  const auto freshness = answer.find("freshness");
  if (freshness == answer.end() || !freshness->is_object() || !freshness->value("stale", false)) return;
  std::cerr << "ringctl: warning: agent " << agent.answered_by() << " serves stale data";
  if (const auto age = freshness->find("age_seconds"); age != freshness->end() && age->is_number()) {
    std::cerr << " (" << age->get<double>() << " s old)";
  }
  if (const auto error = freshness->find("error"); error != freshness->end() && error->is_string()) {
    std::cerr << ": " << error->get<std::string>();
  }
  std::cerr << '\n';
}

}  // namespace ringctl
