#include "views/playbook_view.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "text/java_format.h"

namespace ringctl {
namespace {

using playbook::Playbook;
using playbook::Step;

Document step_document(const Step& step) {
  Document doc = {{"kind", playbook::step_kind_name(step.kind)},
                  {playbook::step_kind_name(step.kind), step.what},
                  {"title", playbook::step_title(step)},
                  {"line", step.line}};
  Document params = Document::object();
  for (const auto& [key, value] : step.params) params[key] = value;
  doc["params"] = params;
  if (step.kind == playbook::StepKind::kForeach) {
    doc["as"] = step.as;
    doc["steps"] = Document::array();
    for (const Step& child : step.steps) doc["steps"].push_back(step_document(child));
  }
  return doc;
}

void print_steps(const std::vector<Step>& steps, const std::string& prefix, std::ostream& out) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string path = prefix + std::to_string(i + 1);
    out << "  " << path << std::string(path.size() < 8 ? 8 - path.size() : 1, ' ') << playbook::step_title(steps[i]);
    if (steps[i].kind == playbook::StepKind::kForeach)
      out << " (for each " << steps[i].as << " in " << steps[i].what << ")";
    out << '\n';
    print_steps(steps[i].steps, path + ".", out);
  }
}

std::string text_of(const Document& event, const char* key) {
  const auto it = event.find(key);
  if (it == event.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string bytes_in_ranges(const Document& node, const char* bytes, const char* ranges) {
  return format_file_size(static_cast<double>(node.value(bytes, std::uint64_t{0}))) + " in " +
         std::to_string(node.value(ranges, 0)) + " ranges";
}

// A plan event: the prediction's total and verdict, the seeds' formula, then what each node
// gains (receives), sends and loses (cleanup frees, or everything for a node that leaves).
void print_plan_event(const Document& event, std::ostream& out) {
  out << "      plan " << text_of(event, "operation") << ": verdict " << text_of(event, "verdict") << ", "
      << format_file_size(static_cast<double>(event.value("planned_bytes", std::uint64_t{0}))) << " to stream\n";
  if (const auto formula = event.find("formula"); formula != event.end() && formula->is_object()) {
    out << "        seeds' formula for " << text_of(*formula, "dc") << ": data x RF x k / (N + k) = "
        << format_file_size(static_cast<double>(formula->value("stream_bytes", std::uint64_t{0}))) << '\n';
  }
  const Document nodes = event.value("nodes", Document::array());
  std::size_t width = 0;
  for (const Document& node : nodes) width = std::max(width, text_of(node, "address").size());
  for (const Document& node : nodes) {
    std::string moves;
    const auto add = [&moves](const std::string& text) { moves += (moves.empty() ? "" : ", ") + text; };
    if (node.value("receive_ranges", 0) > 0) add("gains " + bytes_in_ranges(node, "receive_bytes", "receive_ranges"));
    if (node.value("send_ranges", 0) > 0) add("sends " + bytes_in_ranges(node, "send_bytes", "send_ranges"));
    if (node.value("cleanup_ranges", 0) > 0) add("loses " + bytes_in_ranges(node, "cleanup_bytes", "cleanup_ranges"));
    if (text_of(node, "role") == "removed") add("leaves the ring");
    const std::string address = text_of(node, "address");
    out << "        " << address << std::string(width - address.size(), ' ') << "  " << text_of(node, "role") << ": "
        << (moves.empty() ? "nothing moves" : moves) << '\n';
  }
}

}  // namespace

void print_playbook_list_table(const std::vector<playbook::PlaybookFile>& files, std::ostream& out) {
  if (files.empty()) {
    out << "No playbooks (own ones go in " << playbook::user_playbook_directory() << ")\n";
    return;
  }
  for (const playbook::PlaybookFile& file : files) {
    out << file.name << std::string(file.name.size() < 18 ? 18 - file.name.size() : 1, ' ')
        << (file.shipped   ? "shipped"
            : file.shadows ? "own (shadows the shipped one)"
                           : "own")
        << "  " << file.path << '\n';
  }
}

Document playbook_list_document(const std::vector<playbook::PlaybookFile>& files) {
  Document list = Document::array();
  for (const playbook::PlaybookFile& file : files) {
    list.push_back({{"name", file.name}, {"path", file.path}, {"shipped", file.shipped}, {"shadows", file.shadows}});
  }
  return {{"playbooks", list}};
}

void print_playbook_table(const Playbook& book, std::ostream& out) {
  out << book.name << ": " << book.description << "\n(" << book.path << (book.topology ? "; changes the topology" : "")
      << ")\n\nVariables:\n";
  for (const playbook::VariableSpec& variable : book.variables) {
    out << "  " << variable.name << " (" << playbook::variable_type_name(variable.type)
        << (variable.default_value ? ", default '" + *variable.default_value + "'" : std::string(", required")) << ")";
    if (!variable.description.empty()) out << ": " << variable.description;
    out << '\n';
  }
  out << "\nSteps:\n";
  print_steps(book.steps, "", out);
}

Document playbook_document(const Playbook& book) {
  Document variables = Document::array();
  for (const playbook::VariableSpec& variable : book.variables) {
    Document doc = {{"name", variable.name},
                    {"type", playbook::variable_type_name(variable.type)},
                    {"default", variable.default_value ? Document(*variable.default_value) : Document(nullptr)},
                    {"description", variable.description}};
    variables.push_back(doc);
  }
  Document steps = Document::array();
  for (const Step& step : book.steps) steps.push_back(step_document(step));
  return {{"name", book.name},         {"description", book.description}, {"path", book.path},
          {"topology", book.topology}, {"variables", variables},          {"steps", steps}};
}

void print_runs_table(const std::vector<playbook::RunJournal>& runs, std::ostream& out) {
  if (runs.empty()) {
    out << "No runs in " << playbook::runs_directory() << '\n';
    return;
  }
  for (const playbook::RunJournal& run : runs) {
    const char* status = playbook::run_status_name(playbook::run_status_shown(run));
    out << run.run_id << "  " << status << std::string(12 - std::min<std::size_t>(11, std::string(status).size()), ' ')
        << run.started_at << "  " << run.message << '\n';
  }
}

Document runs_document(const std::vector<playbook::RunJournal>& runs) {
  Document list = Document::array();
  for (const playbook::RunJournal& run : runs) {
    list.push_back({{"run_id", run.run_id},
                    {"playbook", run.playbook},
                    {"status", playbook::run_status_name(playbook::run_status_shown(run))},
                    {"started_at", run.started_at},
                    {"finished_at", run.finished_at},
                    {"message", run.message},
                    {"directory", playbook::run_directory(run.run_id)}});
  }
  return {{"runs", list}};
}

RunEventPrinter::RunEventPrinter(OutputFormat format, std::ostream& out)
    : RunEventPrinter(format, out, stderr_output(isatty(STDERR_FILENO) != 0)) {}

RunEventPrinter::RunEventPrinter(OutputFormat format, std::ostream& out, LiveOutput bar)
    : format_(format), out_(out), bar_output_(std::move(bar)) {}

void RunEventPrinter::print(const Document& event) {
  if (format_ != OutputFormat::kTable) {
    out_ << event.dump(-1, ' ', false, Document::error_handler_t::replace) << '\n' << std::flush;
    return;
  }
  const std::string kind = text_of(event, "event");
  const std::string step = text_of(event, "step");
  if (kind == "run_started" || kind == "run_resumed") {
    out_ << (kind == "run_started" ? "Run " : "Resuming run ") << text_of(event, "run_id") << " of playbook "
         << text_of(event, "playbook") << (event.value("dry_run", false) ? " (dry run: nothing is changed)" : "")
         << '\n';
  } else if (kind == "step_started") {
    out_ << "  ▸ " << step << "  " << text_of(event, "title") << (event.value("resumed", false) ? " (resumed)" : "")
         << '\n';
    bar_ = std::make_unique<JobProgressLine>(bar_output_);
  } else if (kind == "step_finished") {
    bar_.reset();
    const std::string status = text_of(event, "status");
    const char* mark = status == "ok" ? "✓" : status == "done_before" ? "·" : "✗";
    char seconds[32] = "";
    if (event.contains("seconds")) std::snprintf(seconds, sizeof seconds, " (%.1f s)", event["seconds"].get<double>());
    out_ << "  " << mark << " " << step << "  " << text_of(event, "title") << ": " << text_of(event, "message")
         << seconds << '\n';
  } else if (kind == "check") {
    out_ << "      " << text_of(event, "status") << "  " << text_of(event, "name") << ": " << text_of(event, "message")
         << '\n';
  } else if (kind == "plan") {
    print_plan_event(event, out_);
  } else if (kind == "would" || kind == "threshold" || kind == "job" || kind == "node_starting" ||
             kind == "unanswered") {
    out_ << "      " << kind << ": ";
    for (const auto& [key, value] : event.items()) {
      if (key != "event" && key != "run_id" && key != "step")
        out_ << key << "=" << (value.is_string() ? value.get<std::string>() : value.dump()) << " ";
    }
    out_ << '\n';
  } else if (kind == "progress" && bar_ && event.contains("total")) {
    bar_->show(text_of(event, "node"), event.value("done", std::int64_t{0}), event.value("total", std::int64_t{0}),
               text_of(event, "unit"));
  } else if (kind == "run_finished") {
    bar_.reset();
    out_ << "Run " << text_of(event, "run_id") << " " << text_of(event, "status") << ": " << text_of(event, "message")
         << '\n';
    if (event.contains("report")) out_ << "Report: " << text_of(event, "report") << '\n';
  }
  out_ << std::flush;
}

}  // namespace ringctl
