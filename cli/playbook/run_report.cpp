#include "playbook/run_report.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sstream>

#include "atomic_file.h"
#include "text/java_format.h"

namespace ringctl::playbook {
namespace {

using Json = nlohmann::json;

std::string cell(std::string text) {
  for (char& c : text) {
    if (c == '|' || c == '\n') c = ' ';
  }
  return text;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

// Exact, so a report can be checked against the journal, and readable from 1 KiB.
std::string bytes_text(std::uint64_t bytes) {
  std::string text = std::to_string(bytes) + " bytes";
  if (bytes >= 1024) text += " (" + format_file_size(static_cast<double>(bytes)) + ")";
  return text;
}

std::string ratio_text(std::uint64_t done, std::uint64_t planned) {
  if (planned == 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * static_cast<double>(done) / static_cast<double>(planned));
  return text;
}

std::string number_text(const Json& number) {
  if (!number.is_number()) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%g", number.get<double>());
  return text;
}

// A byte count however the journal holds it (its own values are signed when written, unsigned
// when read back); anything else is 0.
std::uint64_t bytes_of(const Json& document, const char* key) {
  const auto it = document.find(key);
  if (it == document.end() || !it->is_number()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  const double bytes = it->get<double>();
  return bytes > 0 ? static_cast<std::uint64_t>(bytes) : 0;
}

std::string operation_of(const StepRecord& step) { return step.result.value("operation", ""); }

// The steps that change the ring, whose bytes are the run's movement: a join (its bootstrap
// stream) and a decommission. Cleanup and repair move no data between nodes.
bool is_topology_step(const StepRecord& step) {
  return operation_of(step) == "bootstrap" || operation_of(step) == "decommission";
}

// Checks before the first change are the pre-flight; those after the last `act` step are the
// after-checks (a run without one has only the former).
std::size_t after_checks_begin(const RunJournal& journal) {
  std::size_t begin = journal.steps.size();
  for (std::size_t i = 0; i < journal.steps.size(); ++i) {
    if (journal.steps[i].kind == "act") begin = i + 1;
  }
  return begin;
}

void print_findings(const StepRecord& step, std::ostream& out) {
  out << "### " << step.path << " " << step.title << " (" << step.result.value("status", "") << ")\n\n";
  for (const Json& finding : step.result["findings"]) {
    out << "- " << finding.value("name", "") << ": " << finding.value("status", "");
    const std::string value = number_text(finding.value("value", Json()));
    const std::string threshold = number_text(finding.value("threshold", Json()));
    if (!value.empty()) out << ", value " << value;
    if (!threshold.empty()) out << " (threshold " << threshold << ")";
    out << " — " << finding.value("message", "") << "\n";
  }
  out << "\n";
}

// Check steps (findings) among steps [begin, end), and the waits when `waits` (the after-checks':
// "every node up and normal"; before, a wait is part of a change, such as a join).
void print_checks(const RunJournal& journal, std::size_t begin, std::size_t end, bool waits, std::ostream& out) {
  bool any = false;
  for (std::size_t i = begin; i < end; ++i) {
    const StepRecord& step = journal.steps[i];
    if (step.result.contains("findings")) {
      print_findings(step, out);
      any = true;
    } else if (waits && step.kind == "wait") {
      out << "### " << step.path << " " << step.title << " (" << step_state_name(step.state) << ")\n\n- "
          << step.message << "\n\n";
      any = true;
    }
  }
  if (!any) out << "None.\n\n";
}

void print_formula(const char* lead, const Json& formula, std::ostream& out) {
  if (!formula.is_object()) return;
  out << "- " << lead << " " << formula.value("dc", "") << " (N=" << formula.value("nodes_before", 0)
      << ", k=" << formula.value("nodes_added", 0)
      << "): data x RF x k / (N + k) = " << bytes_text(bytes_of(formula, "stream_bytes"))
      << "; per node current x N / (N + k) = " << bytes_text(bytes_of(formula, "load_per_node_before_bytes")) << " -> "
      << bytes_text(bytes_of(formula, "load_per_node_after_bytes")) << "\n";
}

std::string ranges_text(const Json& node, const char* bytes_key, const char* ranges_key) {
  return bytes_text(bytes_of(node, bytes_key)) + " in " + std::to_string(node.value(ranges_key, 0)) + " ranges";
}

// A plan step's prediction: its totals, the seeds' formulas beside it, and the movement per node.
void print_plan(const StepRecord& step, std::ostream& out) {
  const Json& plan = step.result["plan"];
  out << "### " << step.path << " " << step.title << "\n\n- operation: " << plan.value("operation", "") << ", verdict "
      << plan.value("verdict", Json::object()).value("status", "")
      << "\n- to stream: " << bytes_text(bytes_of(plan, "total_stream_bytes")) << " in "
      << plan.value("transfers", Json::array()).size() << " range transfers\n";
  print_formula("seeds' formula for", plan.value("formula", Json()), out);
  print_formula("doubling instead,", plan.value("doubling", Json()), out);
  out << "\n| node | role | receives | sends | cleanup frees |\n|---|---|---|---|---|\n";
  for (const Json& node : plan.value("nodes", Json::array())) {
    out << "| " << node.value("address", "") << " | " << node.value("role", "") << " | "
        << ranges_text(node, "receive_bytes", "receive_ranges") << " | "
        << ranges_text(node, "send_bytes", "send_ranges") << " | "
        << ranges_text(node, "cleanup_bytes", "cleanup_ranges") << " |\n";
  }
  out << "\n";
}

// What a topology step was planned to stream: a join, what the plan's added node receives
// (matched by address, else the plan's next added node: the plan names them before they exist);
// a decommission, what the removed node sends.
class PlannedBytes {
 public:
  void follow(const StepRecord& step) {
    if (!step.result.contains("plan")) return;
    plan_ = step.result["plan"];
    next_added_ = 0;
  }

  std::optional<std::uint64_t> of(const StepRecord& step) {
    if (plan_.is_null()) return std::nullopt;
    const std::string node = step.result.value("node", "");
    const bool join = operation_of(step) == "bootstrap";
    const Json nodes = plan_.value("nodes", Json::array());
    for (const Json& entry : nodes) {
      if (entry.value("address", "") == node) return bytes_of(entry, join ? "receive_bytes" : "send_bytes");
    }
    if (!join) return std::nullopt;
    std::size_t added = 0;
    for (const Json& entry : nodes) {
      if (entry.value("role", "") != "added") continue;
      if (added++ == next_added_) {
        ++next_added_;
        return bytes_of(entry, "receive_bytes");
      }
    }
    return std::nullopt;
  }

 private:
  Json plan_;
  std::size_t next_added_ = 0;
};

void print_movement(const RunJournal& journal, std::ostream& out) {
  out << "## Data moved against the plan\n\n";
  out << "| step | what | node | planned | streamed | streamed / planned |\n|---|---|---|---|---|---|\n";
  PlannedBytes planned_bytes;
  std::uint64_t planned_total = 0, moved_total = 0;
  bool any = false;
  for (const StepRecord& step : journal.steps) {
    planned_bytes.follow(step);
    if (!is_topology_step(step)) continue;
    any = true;
    const std::optional<std::uint64_t> plan = planned_bytes.of(step);
    const bool has_plan = plan.has_value(), has_progress = step.result.contains("done");
    const std::uint64_t planned = plan.value_or(0), moved = bytes_of(step.result, "done");
    planned_total += planned;
    moved_total += moved;
    out << "| " << step.path << " | " << (operation_of(step) == "bootstrap" ? "join" : "decommission") << " | "
        << step.result.value("node", "") << " | " << (has_plan ? bytes_text(planned) : "? (no plan step)") << " | "
        << (has_progress ? bytes_text(moved) : "? (no progress seen)") << " | "
        << (has_plan && has_progress ? ratio_text(moved, planned) : "?") << " |\n";
  }
  if (!any) {
    out << "\nNo step changed the ring.\n\n";
    return;
  }
  out << "| total | | | " << bytes_text(planned_total) << " | " << bytes_text(moved_total) << " | "
      << ratio_text(moved_total, planned_total) << " |\n\n";
  out << "- moved: " << bytes_text(moved_total) << " of " << bytes_text(planned_total) << " planned ("
      << ratio_text(moved_total, planned_total) << ")\n\n";

  bool other = false;
  for (const StepRecord& step : journal.steps) {
    if (is_topology_step(step) || !step.result.contains("done") || step.result.value("unit", "") != "bytes") continue;
    if (!other) out << "Not movement (what these steps did; not counted above):\n\n";
    other = true;
    out << "- " << step.path << " " << operation_of(step) << " on " << step.result.value("node", "") << ": "
        << bytes_text(bytes_of(step.result, "done")) << "\n";
  }
  if (other) out << "\n";
}

// The repair steps that finished, per node in the order the run repaired them: the token
// segments repaired (a repair without one did the node's whole primary ranges) and the bytes
// the repairs streamed to bring replicas level.
void print_repairs(const RunJournal& journal, std::ostream& out) {
  struct NodeRepairs {
    std::string node;
    std::vector<std::string> segments;
    std::uint64_t bytes = 0;
  };
  std::vector<NodeRepairs> nodes;
  for (const StepRecord& step : journal.steps) {
    if (operation_of(step) != "repair" || step.state != StepState::kFinished) continue;
    const std::string node = step.result.value("node", "");
    auto it = std::find_if(nodes.begin(), nodes.end(), [&node](const NodeRepairs& n) { return n.node == node; });
    if (it == nodes.end()) it = nodes.insert(nodes.end(), NodeRepairs{node, {}, 0});
    it->segments.push_back(step.result.value("range", ""));
    it->bytes += bytes_of(step.result, "bytes_streamed");
  }
  if (nodes.empty()) return;
  out << "## Repairs\n\n| node | segments repaired | bytes streamed |\n|---|---|---|\n";
  for (const NodeRepairs& repaired : nodes) {
    std::string segments;
    for (const std::string& segment : repaired.segments) {
      segments += (segments.empty() ? "" : " ") + (segment.empty() ? std::string("all primary ranges") : segment);
    }
    out << "| " << repaired.node << " | " << repaired.segments.size() << ": " << segments << " | "
        << bytes_text(repaired.bytes) << " |\n";
  }
  out << "\n";
}

}  // namespace

std::string run_report_markdown(const RunJournal& journal) {
  std::ostringstream out;
  out << "# Playbook run " << journal.run_id << "\n\n";
  out << "- playbook: " << journal.playbook << " (" << journal.playbook_path << ")\n";
  out << "- status: **" << run_status_name(journal.status) << "**";
  if (!journal.message.empty()) out << ": " << journal.message;
  out << "\n- started: " << journal.started_at << "\n- finished: " << journal.finished_at << "\n";
  out << "\n## Variables\n\n";
  for (const auto& [name, value] : journal.variables) out << "- " << name << " = `" << value << "`\n";

  const std::size_t after = after_checks_begin(journal);
  out << "\n## Checks\n\n";
  print_checks(journal, 0, after, false, out);

  out << "## Plan\n\n";
  bool planned = false;
  for (const StepRecord& step : journal.steps) {
    if (!step.result.contains("plan")) continue;
    print_plan(step, out);
    planned = true;
  }
  if (!planned) out << "No plan step ran.\n\n";

  out << "## Steps\n\n| step | what | state | time | result |\n|---|---|---|---|---|\n";
  for (const StepRecord& step : journal.steps) {
    out << "| " << step.path << " | " << cell(step.title) << " | " << step_state_name(step.state) << " | "
        << seconds_text(step.seconds) << " | " << cell(step.message) << " |\n";
  }
  out << "\n";

  print_movement(journal, out);
  print_repairs(journal, out);

  out << "## After-checks\n\n";
  if (after == journal.steps.size()) {
    out << "None (no step after the last change).\n";
  } else {
    print_checks(journal, after, journal.steps.size(), true, out);
  }
  return out.str();
}

std::string write_run_report(const RunJournal& journal) {
  const std::string path = run_directory(journal.run_id) + "/report.md";
  write_file_atomically(path, run_report_markdown(journal));
  return path;
}

}  // namespace ringctl::playbook
