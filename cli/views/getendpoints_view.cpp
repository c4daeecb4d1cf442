#include "views/getendpoints_view.h"

#include "key_input.h"
#include "ringcore/murmur3.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"

namespace ringctl {

EndpointsReport build_getendpoints(const ringcore::ClusterSnapshot& snapshot, const std::string& keyspace,
                                   const std::string& key, bool hex) {
  const ringcore::Keyspace* ks = snapshot.require_keyspace(keyspace).value_or_throw();
  const ringcore::TokenRing ring(snapshot);
  auto placement = ringcore::ReplicaPlacement::create(ring, ks->replication);
  if (!placement) throw placement.error().with_context("keyspace '" + keyspace + "'");
  EndpointsReport report{keyspace, key, ringcore::token_for_key(key_bytes(key, hex)), {}};
  for (ringcore::NodeIndex node : placement->replicas_for_token(report.token)) {
    report.endpoints.push_back(snapshot.nodes[node].address);
  }
  return report;
}

void print_getendpoints_table(const EndpointsReport& report, std::ostream& out) {
  for (const std::string& address : report.endpoints) out << address << '\n';
}

Document getendpoints_document(const EndpointsReport& report) {
  return {{"keyspace", report.keyspace},
          {"key", report.key},
          {"token", ringcore::format_token(report.token)},
          {"endpoints", report.endpoints}};
}

}  // namespace ringctl
