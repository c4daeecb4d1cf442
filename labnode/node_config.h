// ringnode's configuration: the YAML file of docs/ringnode-api.md, parsed and validated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/token.h"

namespace ringnode {

enum class TokenAllocation { kBalanced, kRandom };

struct NodeConfig {
  std::string cluster_name;
  std::string listen_address;
  int storage_port = 7000;
  int native_port = 9042;
  std::vector<std::string> seeds;  // addresses; every node of a cluster uses the same storage_port
  std::string dc = "dc1";
  std::string rack = "rack1";
  int num_tokens = 16;
  std::vector<ringcore::Token> initial_tokens;  // empty, or exactly num_tokens (sorted)
  TokenAllocation token_allocation = TokenAllocation::kBalanced;
  int allocation_rf = 3;
  std::string data_directory;
  std::size_t max_value_bytes = 1 << 20;
  double phi_convict_threshold = 8.0;  // Cassandra's default; lower it to detect failures faster
  // Whether a new node streams its ranges before serving (Cassandra's auto_bootstrap). Seeds
  // and the first node of a cluster never do; the first nodes of a new cluster set it false.
  bool auto_bootstrap = true;
  double stream_throughput_mib = 0;  // MiB/s for all streaming of the node; 0 = unlimited
  // MiB/s of rows a cleanup removes (Cassandra's compaction_throughput, which holds cleanup);
  // 0 = unlimited.
  double compaction_throughput_mib = 0;
  // When set, the node reports its data directory as a disk of this size (tests make a node
  // look full with it): disk total = min(this, the file system's), disk used = the database's
  // files (Storage::disk_bytes). Unset: the file system's figures.
  std::optional<std::uint64_t> disk_capacity_bytes;
  // Hints (hints.h): a hint older than this is dropped, not replayed (Cassandra's
  // max_hint_window); past max_hints_bytes of hints the oldest are dropped.
  int max_hint_window_seconds = 3 * 3600;
  std::uint64_t max_hints_bytes = std::uint64_t{256} << 20;
  // KiB/s the hint replay may deliver (Cassandra's hinted_handoff_throttle); 0 = unlimited.
  std::uint64_t hinted_handoff_throttle_kib = 0;
};

// Parses the YAML text of a config. Required: cluster_name, listen_address, seeds,
// data_directory; the rest have the defaults above. Errors (kInvalidInput) name the key and
// what is wrong ("num_tokens: must be an integer in 1..1536, not 'many'"); unknown keys,
// duplicate or out-of-range tokens, ports outside 1..65535 and equal ports are refused.
ringcore::Result<NodeConfig> parse_node_config(std::string_view yaml_text);

// Reads and parses `path`; errors are prefixed with the path.
ringcore::Result<NodeConfig> load_node_config(const std::string& path);

}  // namespace ringnode
