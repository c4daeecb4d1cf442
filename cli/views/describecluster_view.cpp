#include "views/describecluster_view.h"

#include <algorithm>
#include <map>

#include "views/json_fields.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;
using ringcore::NodeState;
using ringcore::NodeStatus;

constexpr std::string_view kLocatorPackage = "org.apache.cassandra.locator.";

// The value of one gossip state of the endpoint at `address`; "" when not gossiped.
std::string gossip_state(const Json& endpoints, const std::string& address, const std::string& state) {
  for (const Json& endpoint : endpoints) {
    if (json_text(endpoint, "address") != address) continue;
    for (const Json& entry : json_array(endpoint, "states")) {
      if (json_text(entry, "name") == state) return json_text(entry, "value");
    }
  }
  return "";
}

AddressesBy sorted_groups(std::map<std::string, std::vector<std::string>> groups,
                          const std::vector<std::string>& last) {
  AddressesBy result;
  std::vector<std::pair<std::string, std::vector<std::string>>> trailing;
  for (auto& [key, addresses] : groups) {
    std::sort(addresses.begin(), addresses.end());
    const bool at_end = std::find(last.begin(), last.end(), key) != last.end();
    (at_end ? trailing : result).emplace_back(key, std::move(addresses));
  }
  result.insert(result.end(), trailing.begin(), trailing.end());
  return result;
}

// ReplicationParams' text: the class's simple name, then the other options as a Java map.
std::string replication_text(const ringcore::Replication& replication) {
  std::string klass;
  std::string options;
  for (const auto& [key, value] : replication.options) {
    if (key == "class") {
      klass = value.starts_with(kLocatorPackage) ? value.substr(kLocatorPackage.size()) : value;
    } else {
      options += (options.empty() ? "" : ", ") + key + "=" + value;
    }
  }
  return klass + " {" + options + "}";
}

std::string java_list(const std::vector<std::string>& items) {
  std::string text = "[";
  for (std::size_t i = 0; i < items.size(); ++i) text += (i > 0 ? ", " : "") + items[i];
  return text + "]";
}

Document groups_document(const AddressesBy& groups, const char* key) {
  Document list = Document::array();
  for (const auto& [value, addresses] : groups) list.push_back({{key, value}, {"nodes", addresses}});
  return list;
}

}  // namespace

bool DescribeClusterReport::schema_agreement() const {
  int versions = 0;
  for (const auto& [version, addresses] : schema_versions) {
    if (version != kUnreachableSchema) ++versions;
  }
  return versions <= 1;
}

DescribeClusterReport build_describecluster(const ringcore::ClusterSnapshot& snapshot, const Json& gossip_endpoints) {
  DescribeClusterReport report;
  report.name = snapshot.cluster;
  report.snitch = std::string(kLocatorPackage) + "GossipingPropertyFileSnitch";
  report.partitioner = snapshot.partitioner.find('.') == std::string::npos
                           ? "org.apache.cassandra.dht." + snapshot.partitioner
                           : snapshot.partitioner;
  std::map<std::string, std::vector<std::string>> schemas;
  std::map<std::string, std::vector<std::string>> releases;
  std::map<std::string, DatacenterCount> datacenters;
  for (const ringcore::Node& node : snapshot.nodes) {
    const bool up = node.status == NodeStatus::kUp;
    (up ? report.live : report.unreachable) += 1;
    report.joining += node.state == NodeState::kJoining ? 1 : 0;
    report.moving += node.state == NodeState::kMoving ? 1 : 0;
    report.leaving += node.state == NodeState::kLeaving ? 1 : 0;
    DatacenterCount& dc = datacenters[node.dc];
    dc.name = node.dc;
    dc.nodes += 1;
    dc.down += up ? 0 : 1;
    const std::string schema = gossip_state(gossip_endpoints, node.address, "SCHEMA");
    schemas[!up ? kUnreachableSchema : schema.empty() ? kUnknownSchema : schema].push_back(node.address);
    const std::string release = gossip_state(gossip_endpoints, node.address, "RELEASE_VERSION");
    if (!release.empty()) releases[release].push_back(node.address + ":" + std::to_string(node.storage_port));
  }
  report.schema_versions = sorted_groups(std::move(schemas), {kUnreachableSchema, kUnknownSchema});
  report.release_versions = sorted_groups(std::move(releases), {});
  for (auto& [name, dc] : datacenters) report.datacenters.push_back(dc);
  for (const ringcore::Keyspace& keyspace : snapshot.keyspaces) {
    report.keyspaces.emplace_back(keyspace.name, replication_text(keyspace.replication));
  }
  return report;
}

void print_describecluster(const DescribeClusterReport& report, std::ostream& out) {
  out << "Cluster Information:\n";
  out << "\tName: " << report.name << '\n';
  out << "\tSnitch: " << report.snitch << '\n';
  out << "\tDynamicEndPointSnitch: " << (report.dynamic_snitch ? "enabled" : "disabled") << '\n';
  out << "\tPartitioner: " << report.partitioner << '\n';
  out << "\tSchema versions:\n";
  // nodetool's println(format("...%n")): each version line is followed by an empty line.
  for (const auto& [version, addresses] : report.schema_versions) {
    out << "\t\t" << version << ": " << java_list(addresses) << "\n\n";
  }
  out << "Stats for all nodes:\n";
  out << "\tLive: " << report.live << '\n';
  out << "\tJoining: " << report.joining << '\n';
  out << "\tMoving: " << report.moving << '\n';
  out << "\tLeaving: " << report.leaving << '\n';
  out << "\tUnreachable: " << report.unreachable << '\n';
  out << "\nData Centers: \n";
  for (const DatacenterCount& dc : report.datacenters) {
    out << '\t' << dc.name << " #Nodes: " << dc.nodes << " #Down: " << dc.down << '\n';
  }
  out << "\nDatabase versions:\n";
  for (const auto& [version, addresses] : report.release_versions) {
    out << '\t' << version << ": " << java_list(addresses) << "\n\n";
  }
  out << "Keyspaces:\n";
  for (const auto& [name, replication] : report.keyspaces) {
    out << '\t' << name << " -> Replication class: " << replication << '\n';
  }
}

Document describecluster_document(const DescribeClusterReport& report) {
  Document datacenters = Document::array();
  for (const DatacenterCount& dc : report.datacenters) {
    datacenters.push_back({{"name", dc.name}, {"nodes", dc.nodes}, {"down", dc.down}});
  }
  Document keyspaces = Document::array();
  for (const auto& [name, replication] : report.keyspaces) {
    keyspaces.push_back({{"name", name}, {"replication", replication}});
  }
  return {{"name", report.name},
          {"snitch", report.snitch},
          {"dynamic_endpoint_snitch", report.dynamic_snitch},
          {"partitioner", report.partitioner},
          {"schema_versions", groups_document(report.schema_versions, "version")},
          {"schema_agreement", report.schema_agreement()},
          {"stats",
           {{"live", report.live},
            {"joining", report.joining},
            {"moving", report.moving},
            {"leaving", report.leaving},
            {"unreachable", report.unreachable}}},
          {"datacenters", std::move(datacenters)},
          {"release_versions", groups_document(report.release_versions, "version")},
          {"keyspaces", std::move(keyspaces)}};
}

}  // namespace ringctl
