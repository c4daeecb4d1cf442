// The describecluster view: nodetool describecluster's layout (4.1) over the cluster as one
// agent's node sees it: its snapshot (GET /v1/cluster) for names, states and keyspaces, and
// its gossip (GET /v1/gossip) for every node's SCHEMA and RELEASE_VERSION.
//
// A node the snapshot shows down (or unknown) is listed under UNREACHABLE rather than under a
// schema version, as Cassandra does; an up node that gossips no SCHEMA yet under UNKNOWN.
// Versions and addresses print sorted (nodetool: hash-map order); ringnode's snitch is the
// gossiping one (DC and rack from its config, told by gossip), and it has no dynamic snitch.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "output.h"
#include "ringcore/snapshot.h"

namespace ringctl {

inline constexpr const char* kUnreachableSchema = "UNREACHABLE";
inline constexpr const char* kUnknownSchema = "UNKNOWN";

struct DatacenterCount {
  std::string name;
  int nodes = 0;
  int down = 0;
};

using AddressesBy = std::vector<std::pair<std::string, std::vector<std::string>>>;  // key -> addresses

struct DescribeClusterReport {
  std::string name;
  std::string snitch;
  bool dynamic_snitch = false;
  std::string partitioner;
  AddressesBy schema_versions;  // sorted by version; UNREACHABLE and UNKNOWN last
  int live = 0;
  int joining = 0;
  int moving = 0;
  int leaving = 0;
  int unreachable = 0;
  std::vector<DatacenterCount> datacenters;                    // by name
  AddressesBy release_versions;                                // "address:storage_port", by version
  std::vector<std::pair<std::string, std::string>> keyspaces;  // name, "Class {key=value, ...}"

  // True when every reachable node has the same schema version.
  bool schema_agreement() const;
};

// `gossip_endpoints` is the /v1/gossip list (address, states[{name, value}]).
DescribeClusterReport build_describecluster(const ringcore::ClusterSnapshot& snapshot,
                                            const nlohmann::json& gossip_endpoints);

void print_describecluster(const DescribeClusterReport& report, std::ostream& out);
Document describecluster_document(const DescribeClusterReport& report);

}  // namespace ringctl
