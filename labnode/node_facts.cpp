#include "node_facts.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "node.h"
#include "ringcore/gossip/gossip_status.h"

namespace ringnode {
namespace {

using Json = nlohmann::json;
namespace gossip = ringcore::gossip;

template <class T>
void put_if_known(Json& object, const char* key, const std::optional<T>& value) {
  if (value) object[key] = *value;
}

Json token_list(const std::vector<ringcore::Token>& tokens) {
  Json list = Json::array();
  for (ringcore::Token token : tokens) list.push_back(ringcore::format_token(token));
  return list;
}

// The ring state for the snapshot ("normal", "joining", ...) and the raw STATUS gossip value.
std::pair<std::string, std::string> state_of(Node& node) {
  std::string status_value;
  node.gossip().inspect([&](const gossip::Gossiper& g, gossip::GossipTime) {
    const gossip::VersionedValue* status = g.endpoint_state(g.self())->get(gossip::ApplicationState::kStatus);
    if (status != nullptr) status_value = status->value;
  });
  std::string state = "starting";
  if (auto parsed = gossip::parse_status_value(status_value); parsed) {
    auto snapshot_state = gossip::node_state_of(parsed->kind);
    state = snapshot_state ? ringcore::node_state_name(*snapshot_state) : gossip::status_kind_keyword(parsed->kind);
  }
  return {state, status_value};
}

std::optional<FileSystemSpace> file_system_of(const std::string& directory) {
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space(directory, ec);
  if (ec) return std::nullopt;
  return FileSystemSpace{space.capacity, space.free, space.available};
}

Json request_json(const RequestSummary& summary) {
  return {{"active", summary.active},
          {"completed", summary.completed},
          {"dropped", summary.dropped},
          {"latency_sum_seconds", summary.latency_sum_seconds}};
}

struct CompactionFacts {
  Json document;
  std::uint64_t pending_tasks = 0;
  std::uint64_t pending_bytes = 0;
};

CompactionFacts compaction_of(Storage& storage) {
  CompactionFacts facts;
  Json keyspaces = Json::array();
  for (const KeyspaceCompactionStats& stats : storage.compaction_stats()) {
    keyspaces.push_back({{"name", stats.keyspace},
                         {"pending_tasks", stats.pending_tasks},
                         {"pending_bytes", stats.pending_compaction_bytes}});
    facts.pending_tasks += stats.pending_tasks;
    facts.pending_bytes += stats.pending_compaction_bytes;
  }
  Json active = Json::array();
  for (const ActiveCompaction& compaction : storage.active_compactions()) {
    active.push_back({{"id", compaction.job_id},
                      {"keyspace", compaction.keyspace},
                      {"completed_bytes", compaction.completed_bytes},
                      {"total_bytes", compaction.total_bytes}});
  }
  facts.document = {{"pending_tasks", facts.pending_tasks},
                    {"pending_bytes", facts.pending_bytes},
                    {"keyspaces", std::move(keyspaces)},
                    {"active", std::move(active)}};
  return facts;
}

}  // namespace

DiskFigures disk_figures(std::optional<FileSystemSpace> file_system, std::optional<std::uint64_t> capacity_cap,
                         std::uint64_t database_bytes) {
  DiskFigures figures;
  if (capacity_cap) {
    const std::uint64_t total = file_system ? std::min(*capacity_cap, file_system->capacity_bytes) : *capacity_cap;
    figures.total_bytes = total;
    figures.used_bytes = database_bytes;
    figures.free_bytes = total > database_bytes ? total - database_bytes : 0;
  } else if (file_system) {
    figures.total_bytes = file_system->capacity_bytes;
    figures.used_bytes = file_system->capacity_bytes - file_system->free_bytes;
    figures.free_bytes = file_system->available_bytes;
  }
  return figures;
}

Json capacity_json(const CapacityFigures& figures) {
  Json capacity = Json::object();
  put_if_known(capacity, "cpu_utilization_ratio", figures.cpu_utilization_ratio);
  put_if_known(capacity, "memory_used_bytes", figures.memory_used_bytes);
  put_if_known(capacity, "memory_limit_bytes", figures.memory_limit_bytes);
  put_if_known(capacity, "cpus", figures.cpus);
  put_if_known(capacity, "memory_total_bytes", figures.memory_total_bytes);
  put_if_known(capacity, "disk_total_bytes", figures.disk_total_bytes);
  put_if_known(capacity, "disk_used_bytes", figures.disk_used_bytes);
  put_if_known(capacity, "read_latency_p50_seconds", figures.read_latency_p50_seconds);
  put_if_known(capacity, "read_latency_p99_seconds", figures.read_latency_p99_seconds);
  put_if_known(capacity, "write_latency_p50_seconds", figures.write_latency_p50_seconds);
  put_if_known(capacity, "write_latency_p99_seconds", figures.write_latency_p99_seconds);
  put_if_known(capacity, "requests_total", figures.requests_total);
  put_if_known(capacity, "dropped_messages_total", figures.dropped_messages_total);
  put_if_known(capacity, "pending_compactions", figures.pending_compactions);
  put_if_known(capacity, "pending_compaction_bytes", figures.pending_compaction_bytes);
  return capacity;
}

Json node_facts(Node& node) {
  const NodeConfig& config = node.config();
  const auto [state, status_value] = state_of(node);
  const DiskFigures disk =
      disk_figures(file_system_of(config.data_directory), config.disk_capacity_bytes, node.storage().disk_bytes());
  const std::optional<std::uint64_t> rss = read_rss_bytes();
  const std::optional<std::uint64_t> machine_memory = read_machine_memory_bytes();
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const RequestSummary reads = node.requests().summary(RequestKind::kRead, now);
  const RequestSummary writes = node.requests().summary(RequestKind::kWrite, now);
  const CompactionFacts compaction = compaction_of(node.storage());

  CapacityFigures figures;
  figures.cpu_utilization_ratio = node.cpu().ratio();
  figures.memory_used_bytes = rss;
  figures.memory_limit_bytes = memory_limit_bytes(read_cgroup_memory_limit_bytes(), machine_memory);
  figures.cpus = online_cpus();
  figures.memory_total_bytes = machine_memory;
  figures.disk_total_bytes = disk.total_bytes;
  figures.disk_used_bytes = disk.used_bytes;
  figures.read_latency_p50_seconds = reads.p50_seconds;
  figures.read_latency_p99_seconds = reads.p99_seconds;
  figures.write_latency_p50_seconds = writes.p50_seconds;
  figures.write_latency_p99_seconds = writes.p99_seconds;
  figures.requests_total = reads.completed + writes.completed;
  figures.dropped_messages_total = reads.dropped + writes.dropped;
  figures.pending_compactions = compaction.pending_tasks;
  figures.pending_compaction_bytes = compaction.pending_bytes;

  Json facts = {{"host_id", node.identity().host_id},
                {"address", config.listen_address},
                {"cluster_name", config.cluster_name},
                {"dc", config.dc},
                {"rack", config.rack},
                {"state", state},
                {"mode", node_mode_name(node.mode())},
                {"gossip_status", status_value},
                {"generation", node.generation()},
                {"uptime_seconds", std::chrono::duration_cast<std::chrono::seconds>(node.uptime()).count()},
                {"load_bytes", node.storage().load_bytes()},
                {"tokens", token_list(node.identity().tokens)},
                {"data_directory", config.data_directory},
                {"storage_port", config.storage_port},
                {"native_port", config.native_port},
                {"seeds", config.seeds},
                {"schema_version", node.schema().version()},
                {"release_version", release_version()}};
  put_if_known(facts, "disk_used_bytes", disk.used_bytes);
  put_if_known(facts, "disk_free_bytes", disk.free_bytes);
  put_if_known(facts, "disk_total_bytes", disk.total_bytes);
  put_if_known(facts, "rss_bytes", rss);
  Json keyspace_loads = Json::object();
  for (const std::string& keyspace : node.storage().keyspaces()) {
    keyspace_loads[keyspace] = node.storage().load_bytes(keyspace);
  }
  facts["keyspace_loads"] = std::move(keyspace_loads);
  facts["capacity"] = capacity_json(figures);
  facts["requests"] = {{"read", request_json(reads)}, {"write", request_json(writes)}};
  facts["compaction"] = compaction.document;
  // By endpoint too: hints kept for a peer every view sees up are how `ringctl health` tells a
  // one-way cut, which the peer views do not show.
  facts["hints"] = {{"pending", node.hints().pending()},
                    {"pending_by_endpoint", node.hints().pending_by_endpoint()},
                    {"delivered", node.hints().delivered()},
                    {"dropped", node.hints().dropped()}};
  return facts;
}

}  // namespace ringnode
