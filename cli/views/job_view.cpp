#include "views/job_view.h"

#include "text/progress.h"
#include "text/table.h"
#include "views/json_fields.h"

namespace ringctl {

using Json = nlohmann::json;

void print_job_started(const Json& job, bool already_running, OutputFormat format, std::ostream& out) {
  if (format != OutputFormat::kTable) {
    print_document({{"job", job}, {"already_running", already_running}}, format, out);
    return;
  }
  out << json_text(job, "operation", "job") << " job " << json_text(job, "id")
      << (already_running ? " is already running" : " started") << '\n';
}

void print_job_event(const JobEvent& event, OutputFormat format, std::ostream& out) {
  Document line = {{"event", event.event}, {"job", event.job}};
  if (!event.reason.empty()) line["error"] = event.reason;
  if (format == OutputFormat::kJson) {
    out << line.dump() << '\n' << std::flush;  // one event per line, for pipelines
  } else {
    out << "---\n";
    print_document(line, format, out);
    out << std::flush;
  }
}

void print_job_succeeded(const Json& job, std::ostream& out) {
  std::string summary;
  const Json result = job.value("result", Json::object());
  if (result.is_object()) {
    for (const auto& [key, value] : result.items()) {
      summary +=
          (summary.empty() ? ": " : ", ") + key + " " + (value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  out << json_text(job, "operation", "job") << " job " << json_text(job, "id") << " succeeded" << summary << '\n';
}

void print_removal_status(const Json& running, OutputFormat format, std::ostream& out) {
  if (format != OutputFormat::kTable) {
    print_document({{"removing", running.is_null() ? Document(nullptr) : Document(running)}}, format, out);
    return;
  }
  if (running.is_null()) {
    out << "RemovalStatus: No token removals in process.\n";
    return;
  }
  const Json progress = running.value("progress", Json::object());
  out << "RemovalStatus: Removing host " << json_text(running.value("parameters", Json::object()), "host_id")
      << " (job " << json_text(running, "id") << ", " << json_int(progress, "done") << "/"
      << json_int(progress, "total") << " " << json_text(progress, "unit", "bytes") << " restored).\n";
}

Document jobs_document(const JobsReport& report) {
  return {{"agent", report.agent}, {"jobs", report.jobs.is_array() ? report.jobs : Json::array()}};
}

void print_jobs(const JobsReport& report, std::ostream& out) {
  const Json& jobs = report.jobs;
  if (!jobs.is_array() || jobs.empty()) {
    out << "No jobs on the node of agent " << report.agent << ".\n";
    return;
  }
  TableBuilder table;
  table.add_row({"ID", "OPERATION", "STATE", "PROGRESS", "STARTED"});
  for (const Json& job : jobs) {
    const Json progress = job.value("progress", Json::object());
    table.add_row({json_text(job, "id"), json_text(job, "operation"), json_text(job, "state"),
                   progress_bar(json_int(progress, "done"), json_int(progress, "total"),
                                json_text(progress, "unit", "bytes"), std::nullopt, 10),
                   json_text(job, "started_at")});
  }
  print_table(table, column_widths({table}), "  ", out);
}

}  // namespace ringctl
