#include "operations.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "interrupt_notice.h"
#include "job_wait.h"
#include "text/progress.h"
#include "views/job_view.h"
#include "views/json_fields.h"

namespace ringctl {

using Json = nlohmann::json;

void follow_job(AgentClient& agent, const Json& job, const WaitFlags& flags, OutputFormat format) {
  const std::string id = json_text(job, "id");
  const std::string where = agent.answered_by();
  WaitOptions options;
  if (flags.timeout_seconds > 0) {
    options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(flags.timeout_seconds * 1000)));
  }
  JobEvent final_event;
  {
    const InterruptNotice notice("the " + json_text(job, "operation", "job") + " job " + id +
                                 " goes on on the node; follow it again with: " + reattach_command(where, id));
    JobProgressLine bar(format == OutputFormat::kTable && isatty(STDERR_FILENO) != 0);
    const auto fetch = [&agent](const std::string& job_id) { return job_of(agent.get("/v1/jobs/" + job_id)); };
    const auto on_event = [&](const JobEvent& event) {
      if (format != OutputFormat::kTable) print_job_event(event, format, std::cout);
      if (format == OutputFormat::kTable && event.event == "unanswered") {
        std::cerr << "ringctl: no answer about job " << id << " through the agent " << where << " (" << event.reason
                  << "); still following it for up to " << options.unanswered_grace.count() / 1000
                  << " s without one\n";
      }
      if (event.event != "progress") return;
      const Json progress = event.job.value("progress", Json::object());
      bar.show(json_text(event.job, "operation", "job"), json_int(progress, "done"), json_int(progress, "total"),
               json_text(progress, "unit", "bytes"));
    };
    final_event = wait_for_job(job, fetch, on_event, options, real_clock());
  }
  if (format == OutputFormat::kTable && final_event.event == "done") print_job_succeeded(final_event.job, std::cout);
  raise_for(final_event, where);
}

void run_operation(const std::string& operation, const Json& body, const WaitFlags& flags,
                   const CommandContext& context) {
  AgentClient agent = connect_agents(context.source);
  const AgentAnswer answer = agent.post(operation, "/v1/operations/" + operation, body);
  const Json job = job_of(answer.body);
  const bool already_running = answer.status == 200;  // 202: started now
  if (!flags.wait) {
    print_job_started(job, already_running, context.format, std::cout);
    return;
  }
  if (context.format == OutputFormat::kTable) {
    std::cerr << operation << " job " << json_text(job, "id") << (already_running ? " already running" : " started")
              << "; waiting for it to end\n";
  }
  follow_job(agent, job, flags, context.format);
}

double set_stream_throughput(AgentClient& agent, double mib_per_second) {
  const AgentAnswer answer =
      agent.put("setstreamthroughput", "/v1/streams/throughput", {{"mib_per_second", mib_per_second}});
  // ringd answers with the node's answer: {"mib_per_second"} or the streams document.
  const Json& body = answer.body;
  return body.contains("mib_per_second") ? body.value("mib_per_second", mib_per_second)
                                         : body.value("throughput_mib_per_second", mib_per_second);
}

}  // namespace ringctl
