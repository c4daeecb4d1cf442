#include "views/health_view.h"

#include "text/java_format.h"
#include "text/table.h"

namespace ringctl {
namespace {

Document optional_number(const std::optional<double>& value) { return value ? Document(*value) : Document(nullptr); }

std::string figure(const std::optional<double>& value) { return value ? format_decimal(*value, 4, 0) : "?"; }

}  // namespace

void print_health_table(const HealthView& view, std::ostream& out) {
  TableBuilder table;
  table.add_row({"Check", "Status", "Value", "Threshold", "Message"});
  for (const ringcore::HealthCheck& check : view.report.checks) {
    table.add_row({check.name, ringcore::check_status_name(check.status), figure(check.value), figure(check.threshold),
                   check.message});
  }
  print_table(table, column_widths({table}), "  ", out);
  out << "\nOverall: " << ringcore::check_status_name(view.report.status) << " (fails at "
      << ringcore::check_status_name(view.fail_on) << ")";
  if (!view.snapshot_from.empty()) out << "; ring from agent " << view.snapshot_from;
  out << '\n';
}

Document health_document(const HealthView& view) {
  Document doc;
  doc["status"] = ringcore::check_status_name(view.report.status);
  doc["fail_on"] = ringcore::check_status_name(view.fail_on);
  doc["checks"] = Document::array();
  for (const ringcore::HealthCheck& check : view.report.checks) {
    doc["checks"].push_back({{"name", check.name},
                             {"status", ringcore::check_status_name(check.status)},
                             {"value", optional_number(check.value)},
                             {"threshold", optional_number(check.threshold)},
                             {"message", check.message},
                             {"nodes", check.nodes}});
  }
  if (!view.snapshot_from.empty()) doc["snapshot_from"] = view.snapshot_from;
  return doc;
}

}  // namespace ringctl
