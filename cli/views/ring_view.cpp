#include "views/ring_view.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "ringcore/ring.h"
#include "text/java_format.h"
#include "text/table.h"

namespace ringctl {
namespace {

using ringcore::NodeState;
using ringcore::NodeStatus;

const char* status_word(NodeStatus status) {
  return status == NodeStatus::kUp ? "Up" : status == NodeStatus::kDown ? "Down" : "?";
}

const char* state_word(NodeState state) {
  switch (state) {
    case NodeState::kJoining:
      return "Joining";
    case NodeState::kLeaving:
      return "Leaving";
    case NodeState::kMoving:
      return "Moving";
    case NodeState::kNormal:
      return "Normal";
  }
  return "Normal";
}

// Java's "%-Ns": pad on the right to at least `width` (UTF-16 units), never truncate.
std::string pad(const std::string& text, std::size_t width) {
  const std::size_t length = java_length(text);
  return text + std::string(width > length ? width - length : 0, ' ');
}

// nodetool ring's row format: "%-{A}s  %-12s%-7s%-8s%-16s%-20s%-44s%n".
void print_row(std::ostream& out, std::size_t address_width, const std::string& address, const std::string& rack,
               const std::string& status, const std::string& state, const std::string& load, const std::string& owns,
               const std::string& token) {
  out << pad(address, address_width) << "  " << pad(rack, 12) << pad(status, 7) << pad(state, 8) << pad(load, 16)
      << pad(owns, 20) << pad(token, 44) << '\n';
}

}  // namespace

RingReport build_ring(const ringcore::ClusterSnapshot& snapshot, const std::optional<std::string>& keyspace) {
  const ringcore::TokenRing ring(snapshot);
  RingReport report;
  report.cluster = snapshot.cluster;
  report.keyspace = keyspace;
  report.ownership = ringcore::ownership_view(snapshot, ring, keyspace).value_or_throw();

  std::map<std::string, RingDatacenter> dcs;
  for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
    const ringcore::Node& node = snapshot.nodes[i];
    RingDatacenter& dc = dcs[node.dc];
    dc.name = node.dc;
    for (ringcore::Token token : node.tokens) dc.entries.push_back({token, &node, report.ownership.owns[i]});
    if (node.tokens.size() > 1) report.vnodes = true;
    if (!node.tokens.empty()) {
      const std::string with_port = node.address + ":" + std::to_string(node.storage_port);
      report.address_width = std::max(report.address_width, java_length(with_port));
    }
  }
  for (auto& [name, dc] : dcs) {
    if (dc.entries.empty()) continue;  // nodetool lists DCs from the token map only
    std::sort(dc.entries.begin(), dc.entries.end(),
              [](const RingEntry& a, const RingEntry& b) { return a.token < b.token; });
    report.datacenters.push_back(std::move(dc));
  }
  return report;
}

void print_ring_table(const RingReport& report, std::ostream& out) {
  const std::size_t width = report.address_width;
  out << '\n';
  for (const RingDatacenter& dc : report.datacenters) {
    out << "Datacenter: " << dc.name << '\n' << "==========\n";
    print_row(out, width, "Address", "Rack", "Status", "State", "Load", "Owns", "Token");
    if (dc.entries.size() > 1) {
      // The starting token: the DC's last token, the wrap-around predecessor of its first row.
      print_row(out, width, "", "", "", "", "", "", ringcore::format_token(dc.entries.back().token));
    } else {
      out << '\n';
    }
    for (const RingEntry& entry : dc.entries) {
      const ringcore::Node& node = *entry.node;
      const std::string load = node.load_bytes ? format_file_size(static_cast<double>(*node.load_bytes)) : "?";
      const std::string owns = entry.owns && report.ownership.effective ? format_percent(*entry.owns, 2) : "?";
      print_row(out, width, node.address, node.rack, status_word(node.status), state_word(node.state), load, owns,
                ringcore::format_token(entry.token));
    }
    out << '\n';
  }
  if (report.vnodes) {
    out << "  Warning: \"nodetool ring\" is used to output all the tokens of a node.\n"
        << "  To view status related info of a node use \"nodetool status\" instead.\n\n";
  }
  // nodetool ends with a newline and two spaces, then the note if any: no final newline
  // without a note.
  out << "\n  ";
  if (!report.ownership.note.empty()) out << "Note: " << report.ownership.note << '\n';
}

Document ring_document(const RingReport& report) {
  Document doc;
  doc["cluster"] = report.cluster;
  doc["keyspace"] = report.keyspace ? Document(*report.keyspace) : Document(nullptr);
  doc["ownership"] = report.ownership.effective ? "effective" : "raw";
  doc["note"] = report.ownership.note.empty() ? Document(nullptr) : Document(report.ownership.note);
  doc["datacenters"] = Document::array();
  for (const RingDatacenter& dc : report.datacenters) {
    Document tokens = Document::array();
    for (const RingEntry& entry : dc.entries) {
      const ringcore::Node& node = *entry.node;
      tokens.push_back({
          {"token", ringcore::format_token(entry.token)},
          {"address", node.address},
          {"rack", node.rack},
          {"status", ringcore::node_status_name(node.status)},
          {"state", ringcore::node_state_name(node.state)},
          {"load_bytes", node.load_bytes ? Document(*node.load_bytes) : Document(nullptr)},
          {"owns_pct", entry.owns ? Document(*entry.owns * 100.0) : Document(nullptr)},
      });
    }
    doc["datacenters"].push_back({{"name", dc.name}, {"tokens", std::move(tokens)}});
  }
  return doc;
}

}  // namespace ringctl
