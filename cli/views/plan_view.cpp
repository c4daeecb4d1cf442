#include "views/plan_view.h"

#include "text/java_format.h"
#include "text/table.h"

namespace ringctl {
namespace {

std::string bytes(std::uint64_t value) { return format_file_size(static_cast<double>(value)); }

std::string ratio(const std::optional<double>& value) { return value ? format_percent(*value, 1) : "?"; }

Document optional_number(const std::optional<double>& value) { return value ? Document(*value) : Document(nullptr); }

Document optional_int(const std::optional<int>& value) { return value ? Document(*value) : Document(nullptr); }

Document tokens_of(const ringcore::Node& node) {
  Document tokens = Document::array();
  for (ringcore::Token t : node.tokens) tokens.push_back(ringcore::format_token(t));
  return tokens;
}

Document formula_document(const ringcore::StreamFormula& f) {
  return {{"dc", f.dc},
          {"nodes_before", f.nodes_before},
          {"nodes_added", f.nodes_added},
          {"data_times_rf_bytes", f.dc_load_bytes},
          {"stream_bytes", f.stream_bytes},
          {"load_per_node_before_bytes", f.load_per_node_before_bytes},
          {"load_per_node_after_bytes", f.load_per_node_after_bytes}};
}

// How many ranges a node receives, sends and drops in `movement` (per keyspace, as listed).
struct RangeCounts {
  std::size_t received = 0, sent = 0, dropped = 0;
};

RangeCounts range_counts(const ringcore::MovementPlan& movement, const std::string& address) {
  RangeCounts counts;
  for (const ringcore::RangeMove& move : movement.moves) {
    counts.received += move.target == address ? 1 : 0;
    counts.sent += move.source == address ? 1 : 0;
  }
  for (const ringcore::RangeLoss& loss : movement.losses) counts.dropped += loss.node == address ? 1 : 0;
  return counts;
}

}  // namespace

void print_plan_table(const ringcore::ScalePlan& plan, std::ostream& out) {
  for (const ringcore::Node& node : plan.added) {
    out << "Adds " << node.address << " (dc " << node.dc << ", rack " << node.rack << ") with " << node.tokens.size()
        << " tokens\n";
  }
  for (const ringcore::Node& node : plan.removed) {
    out << "Removes " << node.address << " (host id " << node.host_id << ", dc " << node.dc << ", rack " << node.rack
        << ")\n";
  }
  out << '\n';
  TableBuilder table;
  table.add_row(
      {"Address", "DC", "Role", "Load before", "Receives", "Sends", "Cleanup frees", "Load after", "Disk after"});
  for (const ringcore::NodeForecast& f : plan.nodes) {
    table.add_row({f.address, f.dc, f.role, bytes(f.load_before_bytes), bytes(f.receive_bytes), bytes(f.send_bytes),
                   bytes(f.cleanup_bytes), bytes(f.load_after_bytes), ratio(f.disk_used_after_ratio)});
  }
  print_table(table, column_widths({table}), "  ", out);
  out << "\nTotal to stream: " << bytes(plan.movement.total_bytes) << " in " << plan.movement.moves.size()
      << " range transfers\n";
  for (const ringcore::StreamFormula& f : plan.formulas) {
    out << "Seeds' formula for " << f.dc << " (N=" << f.nodes_before << ", k=" << f.nodes_added
        << "): data x RF x k / (N + k) = " << bytes(f.stream_bytes)
        << "; per node current x N / (N + k) = " << bytes(f.load_per_node_before_bytes) << " -> "
        << bytes(f.load_per_node_after_bytes) << '\n';
  }
  for (const ringcore::StreamFormula& f : plan.doubling) {
    out << "Doubling " << f.dc << " instead (k=" << f.nodes_added << "): streams " << bytes(f.stream_bytes)
        << ", leaves " << bytes(f.load_per_node_after_bytes) << " per node\n";
  }
  for (const std::string& note : plan.notes) out << "Note: " << note << '\n';
  out << '\n';
  TableBuilder checks;
  checks.add_row({"Check", "Status", "Message"});
  for (const ringcore::PlanCheck& check : plan.checks) {
    checks.add_row({check.name, ringcore::check_status_name(check.status), check.message});
  }
  print_table(checks, column_widths({checks}), "  ", out);
  out << "\nVerdict: " << ringcore::plan_verdict_name(plan.verdict) << '\n';
}

Document plan_document(const ringcore::ScalePlan& plan) {
  Document doc;
  doc["operation"] = plan.operation;
  doc["added"] = Document::array();
  for (const ringcore::Node& node : plan.added) {
    doc["added"].push_back(
        {{"address", node.address}, {"dc", node.dc}, {"rack", node.rack}, {"tokens", tokens_of(node)}});
  }
  doc["removed"] = Document::array();
  for (const ringcore::Node& node : plan.removed) {
    doc["removed"].push_back({{"address", node.address},
                              {"host_id", node.host_id},
                              {"dc", node.dc},
                              {"rack", node.rack},
                              {"tokens", tokens_of(node)}});
  }
  doc["nodes"] = Document::array();
  for (const ringcore::NodeForecast& f : plan.nodes) {
    const RangeCounts ranges = range_counts(plan.movement, f.address);
    doc["nodes"].push_back({{"address", f.address},
                            {"dc", f.dc},
                            {"rack", f.rack},
                            {"role", f.role},
                            {"load_before_bytes", f.load_before_bytes},
                            {"receive_bytes", f.receive_bytes},
                            {"receive_ranges", ranges.received},
                            {"send_bytes", f.send_bytes},
                            {"send_ranges", ranges.sent},
                            {"cleanup_bytes", f.cleanup_bytes},
                            {"cleanup_ranges", ranges.dropped},
                            {"load_after_bytes", f.load_after_bytes},
                            {"disk_used_after_ratio", optional_number(f.disk_used_after_ratio)}});
  }
  doc["transfers"] = Document::array();
  for (const ringcore::RangeMove& move : plan.movement.moves) {
    doc["transfers"].push_back({{"keyspace", move.keyspace},
                                {"start_token", ringcore::format_token(move.range.left)},
                                {"end_token", ringcore::format_token(move.range.right)},
                                {"source", move.source.empty() ? Document(nullptr) : Document(move.source)},
                                {"target", move.target},
                                {"bytes", move.estimated_bytes}});
  }
  doc["total_stream_bytes"] = plan.movement.total_bytes;
  doc["formula"] = plan.formulas.empty() ? Document(nullptr) : formula_document(plan.formulas.front());
  doc["doubling"] = plan.doubling.empty() ? Document(nullptr) : formula_document(plan.doubling.front());
  doc["notes"] = plan.notes;
  Document checks = Document::array();
  for (const ringcore::PlanCheck& check : plan.checks) {
    checks.push_back({{"name", check.name},
                      {"status", ringcore::check_status_name(check.status)},
                      {"message", check.message},
                      {"nodes", check.nodes}});
  }
  doc["verdict"] = {{"status", ringcore::plan_verdict_name(plan.verdict)}, {"checks", std::move(checks)}};
  return doc;
}

void print_capacity_table(const CapacityView& view, std::ostream& out) {
  TableBuilder table;
  table.add_row(
      {"DC", "Nodes", "Racks", "Fullest disk", "Mean disk", "Nodes to add", "Rack-balanced", "Fullest after"});
  for (const ringcore::CapacityNeed& need : view.needs) {
    table.add_row({need.dc, std::to_string(need.nodes), std::to_string(need.racks), ratio(need.max_disk_ratio),
                   ratio(need.mean_disk_ratio), need.nodes_to_add ? std::to_string(*need.nodes_to_add) : "?",
                   need.nodes_to_add_rack_balanced ? std::to_string(*need.nodes_to_add_rack_balanced) : "?",
                   ratio(need.max_disk_ratio_after)});
  }
  print_table(table, column_widths({table}), "  ", out);
  out << "\nTarget: fullest node under " << format_percent(view.target, 1)
      << " of its disk (the seeds: < 50%, add nodes before 60%)\n";
  for (const ringcore::CapacityNeed& need : view.needs) {
    if (need.unknown.empty()) continue;
    out << "Disk totals not known in " << need.dc << " for:";
    for (const std::string& address : need.unknown) out << ' ' << address;
    out << '\n';
  }
}

Document capacity_document(const CapacityView& view) {
  Document doc;
  doc["target_disk_used_ratio"] = view.target;
  doc["datacenters"] = Document::array();
  for (const ringcore::CapacityNeed& need : view.needs) {
    doc["datacenters"].push_back({{"dc", need.dc},
                                  {"nodes", need.nodes},
                                  {"racks", need.racks},
                                  {"max_disk_used_ratio", optional_number(need.max_disk_ratio)},
                                  {"mean_disk_used_ratio", optional_number(need.mean_disk_ratio)},
                                  {"nodes_to_add", optional_int(need.nodes_to_add)},
                                  {"nodes_to_add_rack_balanced", optional_int(need.nodes_to_add_rack_balanced)},
                                  {"max_disk_used_ratio_after", optional_number(need.max_disk_ratio_after)},
                                  {"unknown_nodes", need.unknown}});
  }
  return doc;
}

}  // namespace ringctl
