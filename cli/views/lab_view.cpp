#include "views/lab_view.h"

#include "text/table.h"

namespace ringctl {

Document lab_document(const lab::Lab& lab, const std::vector<lab::NodeProcesses>& processes) {
  Document nodes = Document::array();
  for (std::size_t i = 0; i < lab.nodes.size(); ++i) {
    const lab::LabNode& node = lab.nodes[i];
    const lab::NodeProcesses& running = processes[i];
    nodes.push_back(
        {{"name", node.name},
         {"address", node.address},
         {"dc", node.dc},
         {"rack", node.rack},
         {"tokens", node.tokens.size()},
         {"disk_capacity_bytes", node.disk_capacity_bytes > 0 ? Document(node.disk_capacity_bytes) : Document(nullptr)},
         {"pid", running.node ? Document(*running.node) : Document(nullptr)},
         {"process", running.node ? "running" : "stopped"},
         {"api", "http://" + node.address + ":" + std::to_string(lab.spec.native_port)},
         {"agent", lab.agent_address(node)},
         {"agent_pid", running.agent ? Document(*running.agent) : Document(nullptr)},
         {"agent_process", running.agent ? "running" : "stopped"}});
  }
  Document departed = Document::array();
  for (const lab::LabNode& node : lab.departed) departed.push_back({{"name", node.name}, {"address", node.address}});
  return {
      {"directory", lab.directory}, {"cluster_name", lab.spec.cluster_name}, {"nodes", nodes}, {"departed", departed}};
}

void print_lab(const Document& doc, std::ostream& out) {
  TableBuilder table;
  table.add_row({"Node", "Address", "DC", "Rack", "Tokens", "Process", "PID", "API", "Agent", "Agent PID"});
  for (const auto& n : doc["nodes"]) {
    table.add_row({n["name"].get<std::string>(), n["address"].get<std::string>(), n["dc"].get<std::string>(),
                   n["rack"].get<std::string>(), std::to_string(n["tokens"].get<int>()),
                   n["process"].get<std::string>(), n["pid"].is_null() ? "-" : std::to_string(n["pid"].get<int>()),
                   n["api"].get<std::string>(), n["agent"].get<std::string>(),
                   n["agent_pid"].is_null() ? "-" : std::to_string(n["agent_pid"].get<int>())});
  }
  out << "Lab " << doc["cluster_name"].get<std::string>() << " in " << doc["directory"].get<std::string>() << "\n";
  print_table(table, column_widths({table}), "  ", out);
  if (!doc["departed"].empty()) {
    out << "Departed (left the ring, no longer members):";
    for (const auto& n : doc["departed"])
      out << ' ' << n["name"].get<std::string>() << " (" << n["address"].get<std::string>() << ')';
    out << '\n';
  }
}

}  // namespace ringctl
