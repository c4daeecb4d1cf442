// The getendpoints view: the replicas of one partition key, in the server's order.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "output.h"
#include "ringcore/snapshot.h"
#include "ringcore/token.h"

namespace ringctl {

struct EndpointsReport {
  std::string keyspace;
  std::string key;  // as given: text, or hex digits with --hex
  ringcore::Token token;
  std::vector<std::string> endpoints;  // addresses, primary replica first
};

// Throws ringcore::Error: an unknown keyspace, one whose replication places no replica, or a
// key that is not hex digits with `hex`.
EndpointsReport build_getendpoints(const ringcore::ClusterSnapshot& snapshot, const std::string& keyspace,
                                   const std::string& key, bool hex);

// One address per line, as nodetool getendpoints prints them.
void print_getendpoints_table(const EndpointsReport& report, std::ostream& out);
Document getendpoints_document(const EndpointsReport& report);

}  // namespace ringctl
