// The node-facts document of GET /v1/node (docs/ringnode-api.md, "GET /v1/node"): identity,
// state, load, tokens, disk and memory, and the "capacity", "requests" and "compaction"
// objects that ringd reports as metrics and ringctl prints (info, tpstats, compactionstats,
// version). A figure not known is absent, never 0 or a guess.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace ringnode {

class Node;

// The document, read from the running node.
nlohmann::json node_facts(Node& node);

// ---- the pure parts, exposed for tests ----

struct DiskFigures {
  std::optional<std::uint64_t> total_bytes;
  std::optional<std::uint64_t> used_bytes;
  std::optional<std::uint64_t> free_bytes;
};

struct FileSystemSpace {
  std::uint64_t capacity_bytes = 0;
  std::uint64_t free_bytes = 0;       // free to root
  std::uint64_t available_bytes = 0;  // free to the node
};

// Without `capacity_cap`: the file system's figures (used = capacity - free), or none when the
// file system is unknown. With it (config disk_capacity_bytes): the data directory as a disk
// of that size, capped by the file system's capacity: used = `database_bytes`, free = total -
// used (0 when the database outgrew it).
DiskFigures disk_figures(std::optional<FileSystemSpace> file_system, std::optional<std::uint64_t> capacity_cap,
                         std::uint64_t database_bytes);

// Everything the "capacity" object can hold; unset members are left out of it.
struct CapacityFigures {
  std::optional<double> cpu_utilization_ratio;
  std::optional<std::uint64_t> memory_used_bytes;
  std::optional<std::uint64_t> memory_limit_bytes;
  std::optional<int> cpus;
  std::optional<std::uint64_t> memory_total_bytes;
  std::optional<std::uint64_t> disk_total_bytes;
  std::optional<std::uint64_t> disk_used_bytes;
  std::optional<double> read_latency_p50_seconds;
  std::optional<double> read_latency_p99_seconds;
  std::optional<double> write_latency_p50_seconds;
  std::optional<double> write_latency_p99_seconds;
  std::optional<std::uint64_t> requests_total;
  std::optional<std::uint64_t> dropped_messages_total;
  std::optional<std::uint64_t> pending_compactions;
  std::optional<std::uint64_t> pending_compaction_bytes;
};

nlohmann::json capacity_json(const CapacityFigures& figures);

}  // namespace ringnode
