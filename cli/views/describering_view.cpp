#include "views/describering_view.h"

#include "ringcore/placement.h"
#include "ringcore/ring.h"

namespace ringctl {
namespace {

// Java's List.toString: "[a, b, c]".
template <class Fn>
std::string java_list(const std::vector<const ringcore::Node*>& nodes, Fn item) {
  std::string text = "[";
  for (std::size_t i = 0; i < nodes.size(); ++i) text += (i ? ", " : "") + item(*nodes[i]);
  return text + "]";
}

}  // namespace

DescribeRingReport build_describering(const ringcore::ClusterSnapshot& snapshot, const std::string& keyspace) {
  const ringcore::Keyspace* ks = snapshot.require_keyspace(keyspace).value_or_throw();
  const ringcore::TokenRing ring(snapshot);
  auto placement = ringcore::ReplicaPlacement::create(ring, ks->replication);
  if (!placement) throw placement.error().with_context("keyspace '" + keyspace + "'");

  DescribeRingReport report;
  report.schema_version = snapshot.schema_version;
  placement->for_each_range([&](std::size_t i, const std::vector<ringcore::NodeIndex>& replicas) {
    DescribedRange described{ring.range_ending_at(i), {}};
    for (ringcore::NodeIndex node : replicas) described.endpoints.push_back(&snapshot.nodes[node]);
    report.ranges.push_back(std::move(described));
  });
  return report;
}

void print_describering_table(const DescribeRingReport& report, std::ostream& out) {
  out << "Schema Version:" << report.schema_version << '\n' << "TokenRange: \n";
  for (const DescribedRange& r : report.ranges) {
    const auto address = [](const ringcore::Node& n) { return n.address; };
    const auto details = [](const ringcore::Node& n) {
      return "EndpointDetails(host:" + n.address + ", datacenter:" + n.dc + ", rack:" + n.rack + ")";
    };
    out << "\tTokenRange(start_token:" << r.range.left << ", end_token:" << r.range.right
        << ", endpoints:" << java_list(r.endpoints, address) << ", rpc_endpoints:" << java_list(r.endpoints, address)
        << ", endpoint_details:" << java_list(r.endpoints, details) << ")\n";
  }
}

Document describering_document(const DescribeRingReport& report) {
  Document ranges = Document::array();
  for (const DescribedRange& r : report.ranges) {
    Document endpoints = Document::array();
    Document details = Document::array();
    for (const ringcore::Node* node : r.endpoints) {
      endpoints.push_back(node->address);
      details.push_back({{"host", node->address}, {"datacenter", node->dc}, {"rack", node->rack}});
    }
    ranges.push_back({{"start_token", ringcore::format_token(r.range.left)},
                      {"end_token", ringcore::format_token(r.range.right)},
                      {"endpoints", std::move(endpoints)},
                      {"endpoint_details", std::move(details)}});
  }
  return ranges;
}

}  // namespace ringctl
