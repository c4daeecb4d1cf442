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

AgentClient connect_agents(const SnapshotSource& source) {
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
  return AgentClient(std::move(options));
}

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
