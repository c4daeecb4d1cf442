#include "views/rebalance_view.h"

#include "text/java_format.h"
#include "text/table.h"

namespace ringctl {

void print_rebalance_table(const ringcore::RebalanceReport& report, std::ostream& out) {
  TableBuilder table;
  table.add_row({"DC", "Nodes", "RF", "Ownership max/mean", "Load max/mean"});
  for (const ringcore::DatacenterBalance& dc : report.datacenters) {
    table.add_row({dc.dc, std::to_string(dc.nodes), std::to_string(dc.rf), format_fixed(dc.ownership_max_over_mean, 2),
                   dc.load_max_over_mean ? format_fixed(*dc.load_max_over_mean, 2) : "?"});
  }
  print_table(table, column_widths({table}), "  ", out);
  out << '\n';
  if (report.findings.empty()) {
    out << "No imbalance found.\n";
    return;
  }
  for (const ringcore::Finding& finding : report.findings) {
    out << ringcore::finding_kind_name(finding.kind) << " in " << finding.dc << " (" << format_fixed(finding.value, 2)
        << " against " << format_fixed(finding.threshold, 2) << ")\n"
        << "  evidence: " << finding.message << "\n"
        << "  fix: " << finding.fix << "\n";
  }
  out << "\nDry run: nothing was changed.\n";
}

Document rebalance_document(const ringcore::RebalanceReport& report) {
  Document doc;
  doc["datacenters"] = Document::array();
  for (const ringcore::DatacenterBalance& dc : report.datacenters) {
    doc["datacenters"].push_back(
        {{"dc", dc.dc},
         {"nodes", dc.nodes},
         {"rf", dc.rf},
         {"ownership_max_over_mean", dc.ownership_max_over_mean},
         {"load_max_over_mean", dc.load_max_over_mean ? Document(*dc.load_max_over_mean) : Document(nullptr)}});
  }
  doc["findings"] = Document::array();
  for (const ringcore::Finding& finding : report.findings) {
    Document cleanup = Document::array();
    for (const ringcore::NodeBytes& node : finding.cleanup) {
      cleanup.push_back({{"address", node.address}, {"bytes", node.bytes}});
    }
    doc["findings"].push_back({{"kind", ringcore::finding_kind_name(finding.kind)},
                               {"dc", finding.dc},
                               {"nodes", finding.nodes},
                               {"value", finding.value},
                               {"threshold", finding.threshold},
                               {"message", finding.message},
                               {"fix", finding.fix},
                               {"cleanup", std::move(cleanup)}});
  }
  return doc;
}

}  // namespace ringctl
