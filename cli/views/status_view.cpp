#include "views/status_view.h"

#include <algorithm>
#include <map>

#include "ringcore/ring.h"
#include "text/java_format.h"
#include "text/table.h"
#include "views/node_order.h"

namespace ringctl {
namespace {

using ringcore::NodeState;
using ringcore::NodeStatus;

std::string status_letters(const ringcore::Node& node) {
  std::string letters;
  letters += node.status == NodeStatus::kUp ? 'U' : node.status == NodeStatus::kDown ? 'D' : '?';
  switch (node.state) {
    case NodeState::kJoining:
      letters += 'J';
      break;
    case NodeState::kLeaving:
      letters += 'L';
      break;
    case NodeState::kMoving:
      letters += 'M';
      break;
    case NodeState::kNormal:
      letters += 'N';
      break;
  }
  return letters;
}

std::string load_text(const ringcore::Node& node) {
  return node.load_bytes ? format_file_size(static_cast<double>(*node.load_bytes)) : "?";
}

TableBuilder datacenter_table(const StatusReport& report, const StatusDatacenter& dc) {
  const std::string owns_header = report.ownership.effective ? "Owns (effective)" : "Owns";
  TableBuilder table;
  if (report.token_per_node) {
    table.add_row({"--", "Address", "Load", owns_header, "Host ID", "Token", "Rack"});
  } else {
    table.add_row({"--", "Address", "Load", "Tokens", owns_header, "Host ID", "Rack"});
  }
  for (const StatusRow& row : dc.rows) {
    const ringcore::Node& node = *row.node;
    const std::string owns = row.owns && report.ownership.effective ? format_percent(*row.owns, 1) : "?";
    if (report.token_per_node) {
      const Cell token = node.tokens.empty() ? Cell{} : Cell{ringcore::format_token(node.tokens.front())};
      table.add_row({status_letters(node), node.address, load_text(node), owns, node.host_id, token, node.rack});
    } else {
      table.add_row({status_letters(node), node.address, load_text(node), std::to_string(row.token_count), owns,
                     node.host_id, node.rack});
    }
  }
  return table;
}

}  // namespace

StatusReport build_status(const ringcore::ClusterSnapshot& snapshot, const std::optional<std::string>& keyspace) {
  const ringcore::TokenRing ring(snapshot);
  StatusReport report;
  report.cluster = snapshot.cluster;
  report.keyspace = keyspace;
  report.ownership = ringcore::ownership_view(snapshot, ring, keyspace).value_or_throw();

  std::map<std::string, StatusDatacenter> dcs;
  std::size_t token_count = 0;
  for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
    const ringcore::Node& node = snapshot.nodes[i];
    StatusDatacenter& dc = dcs[node.dc];
    dc.name = node.dc;
    dc.rows.push_back({&node, node.tokens.size(), report.ownership.owns[i]});
    token_count += node.tokens.size();
  }
  for (auto& [name, dc] : dcs) {
    std::sort(dc.rows.begin(), dc.rows.end(),
              [](const StatusRow& a, const StatusRow& b) { return address_less(a.node->address, b.node->address); });
    report.datacenters.push_back(std::move(dc));
  }
  report.token_per_node = token_count <= report.datacenters.size();
  return report;
}

void print_status_table(const StatusReport& report, std::ostream& out) {
  std::vector<TableBuilder> tables;
  for (const StatusDatacenter& dc : report.datacenters) tables.push_back(datacenter_table(report, dc));
  const std::vector<std::size_t> widths = column_widths(tables);

  for (std::size_t i = 0; i < report.datacenters.size(); ++i) {
    if (i > 0) out << '\n';
    const std::string header = "Datacenter: " + report.datacenters[i].name;
    out << header << '\n' << std::string(java_length(header), '=') << '\n';
    out << "Status=Up/Down\n|/ State=Normal/Leaving/Joining/Moving\n";
    print_table(tables[i], widths, "  ", out);
  }
  out << '\n';
  if (!report.ownership.note.empty()) out << "Note: " << report.ownership.note << '\n';
}

Document status_document(const StatusReport& report) {
  Document doc;
  doc["cluster"] = report.cluster;
  doc["keyspace"] = report.keyspace ? Document(*report.keyspace) : Document(nullptr);
  doc["ownership"] = report.ownership.effective ? "effective" : "raw";
  if (report.ownership.effective && !report.keyspace) doc["ownership_keyspace"] = report.ownership.keyspace;
  doc["note"] = report.ownership.note.empty() ? Document(nullptr) : Document(report.ownership.note);
  doc["datacenters"] = Document::array();
  for (const StatusDatacenter& dc : report.datacenters) {
    Document nodes = Document::array();
    for (const StatusRow& row : dc.rows) {
      const ringcore::Node& node = *row.node;
      nodes.push_back({
          {"address", node.address},
          {"host_id", node.host_id},
          {"dc", node.dc},
          {"rack", node.rack},
          {"status", ringcore::node_status_name(node.status)},
          {"state", ringcore::node_state_name(node.state)},
          {"load_bytes", node.load_bytes ? Document(*node.load_bytes) : Document(nullptr)},
          {"tokens", row.token_count},
          {"owns_pct", row.owns ? Document(*row.owns * 100.0) : Document(nullptr)},
      });
      // The node's capacity figures where known (docs/snapshot-format.md), absent otherwise.
      const Document capacity = Document::parse(ringcore::serialize_node_capacity(node.capacity));
      for (const auto& [name, value] : capacity.items()) nodes.back()[name] = value;
    }
    doc["datacenters"].push_back({{"name", dc.name}, {"nodes", std::move(nodes)}});
  }
  return doc;
}

}  // namespace ringctl
