// ringctl decommission|removenode|cleanup|repair: start an operation as a job on the agent
// (POST /v1/operations/{op}), print the job, and with --wait follow it to its end
// (GET /v1/jobs/{id}): a progress bar on a terminal, or one JSON event per line with -o json.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "commands/command_context.h"
#include "job_wait.h"
#include "ringcore/token.h"
#include "text/progress.h"
#include "views/json_fields.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;

struct WaitFlags {
  bool wait = false;
  double timeout_seconds = 0;  // 0: no limit
};

// Draws the bar on stderr when it is a terminal and the output is a table; the ETA comes from
// the rate seen since the first observation.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(bool enabled) : enabled_(enabled) {}
  ~ProgressDisplay() {
    if (drawn_) std::cerr << "\r\033[K" << std::flush;
  }
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  void show(const Json& job) {
    if (!enabled_) return;
    const Json progress = job.value("progress", Json::object());
    const std::int64_t done = json_int(progress, "done");
    const std::int64_t total = json_int(progress, "total");
    const auto now = std::chrono::steady_clock::now();
    if (!first_) first_ = std::make_pair(now, done);
    std::optional<double> eta;
    const double seconds = std::chrono::duration<double>(now - first_->first).count();
    if (done > first_->second && seconds > 0) {
      eta = static_cast<double>(total - done) * seconds / static_cast<double>(done - first_->second);
    }
    std::cerr << "\r\033[K" << json_text(job, "operation") << ' '
              << progress_bar(done, total, json_text(progress, "unit", "bytes"), eta) << std::flush;
    drawn_ = true;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::optional<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> first_;
};

void print_event(const JobEvent& event, OutputFormat format) {
  const Document line = {{"event", event.event}, {"job", event.job}};
  if (format == OutputFormat::kJson) {
    std::cout << line.dump() << '\n' << std::flush;  // one event per line, for pipelines
  } else {
    std::cout << "---\n";
    print_document(line, format, std::cout);
    std::cout << std::flush;
  }
}

std::string result_summary(const Json& job) {
  std::string summary;
  const Json result = job.value("result", Json::object());
  if (!result.is_object()) return summary;
  for (const auto& [key, value] : result.items()) {
    summary += (summary.empty() ? ": " : ", ") + key + " " + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return summary;
}

void run_operation(const std::string& operation, const Json& body, const WaitFlags& flags,
                   const CommandContext& context) {
  AgentClient agent = connect_agents(context.source);
  const AgentAnswer answer = agent.post("/v1/operations/" + operation, body);
  const Json job = answer.body.contains("job") ? answer.body["job"] : answer.body;  // ringd wraps it
  const std::string id = json_text(job, "id");
  const bool already_running = answer.status == 200;
  if (!flags.wait) {
    if (context.format == OutputFormat::kTable) {
      std::cout << operation << " job " << id << (already_running ? " is already running" : " started") << '\n';
    } else {
      print_document({{"job", job}, {"already_running", already_running}}, context.format, std::cout);
    }
    return;
  }
  if (context.format == OutputFormat::kTable) {
    std::cerr << operation << " job " << id << (already_running ? " already running" : " started")
              << "; waiting for it to end\n";
  }
  WaitOptions options;
  if (flags.timeout_seconds > 0) {
    options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(flags.timeout_seconds * 1000));
  }
  JobEvent final_event;
  {
    ProgressDisplay display(context.format == OutputFormat::kTable && isatty(STDERR_FILENO) != 0);
    const auto fetch = [&agent](const std::string& job_id) {
      const Json got = agent.get("/v1/jobs/" + job_id);
      return got.contains("job") ? got["job"] : got;
    };
    const auto on_event = [&](const JobEvent& event) {
      if (context.format != OutputFormat::kTable) print_event(event, context.format);
      if (event.event == "progress") display.show(event.job);
    };
    final_event = wait_for_job(job, fetch, on_event, options, real_clock());
  }
  if (context.format == OutputFormat::kTable && final_event.event == "done") {
    std::cout << operation << " job " << id << " succeeded" << result_summary(final_event.job) << '\n';
  }
  raise_for(final_event);
}

void add_wait_options(CLI::App& command, WaitFlags& flags) {
  command.add_flag("--wait", flags.wait, "Wait for the job to end: a progress bar on a terminal, JSON events with -o json");
  command.add_option("--timeout", flags.timeout_seconds, "With --wait: give up after this many seconds (exit 3)")
      ->check(CLI::NonNegativeNumber);
}

void register_decommission(CLI::App& app, CommandContext& context) {
  struct Options {
    bool force = false;
    WaitFlags wait;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("decommission", "Stream the agent's node's data away and remove it from the ring");
  command->add_flag("-f,--force", options->force, "Decommission even when fewer nodes than the replication factor remain");
  add_wait_options(*command, options->wait);
  command->callback([options, &context] {
    run_operation("decommission", {{"force", options->force}}, options->wait, context);
  });
}

void print_removal_status(const CommandContext& context) {
  AgentClient agent = connect_agents(context.source);
  const Json answer = agent.get("/v1/jobs");
  Json running;
  for (const Json& job : json_array(answer, "jobs")) {
    if (json_text(job, "operation") == "removenode" && json_text(job, "state") == "running") running = job;
  }
  if (context.format != OutputFormat::kTable) {
    print_document({{"removing", running.is_null() ? Document(nullptr) : Document(running)}}, context.format, std::cout);
    return;
  }
  if (running.is_null()) {
    std::cout << "RemovalStatus: No token removals in process.\n";
    return;
  }
  const Json progress = running.value("progress", Json::object());
  std::cout << "RemovalStatus: Removing host " << json_text(running.value("parameters", Json::object()), "host_id")
            << " (job " << json_text(running, "id") << ", " << json_int(progress, "done") << "/"
            << json_int(progress, "total") << " " << json_text(progress, "unit", "bytes") << " restored).\n";
}

void register_removenode(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string host_id;
    WaitFlags wait;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "removenode", "Re-replicate a dead node's data from the others and remove it (HOST_ID), or show the removal status");
  command->add_option("HOST_ID|status", options->host_id, "The dead node's host ID, or 'status'")->required();
  add_wait_options(*command, options->wait);
  command->callback([options, &context] {
    if (options->host_id == "status") {
      print_removal_status(context);
      return;
    }
    run_operation("removenode", {{"host_id", options->host_id}}, options->wait, context);
  });
}

void register_cleanup(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string keyspace;
    WaitFlags wait;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("cleanup", "Delete the data the agent's node no longer owns");
  command->add_option("KEYSPACE", options->keyspace, "Only this keyspace (default: all)");
  add_wait_options(*command, options->wait);
  command->callback([options, &context] {
    Json body = Json::object();
    if (!options->keyspace.empty()) body["keyspace"] = options->keyspace;
    run_operation("cleanup", body, options->wait, context);
  });
}

void register_repair(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string keyspace;
    bool primary_range = false;
    std::string start_token;
    std::string end_token;
    WaitFlags wait;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("repair", "Compare the replicas of the agent's node's ranges and fix differences");
  command->add_option("KEYSPACE", options->keyspace, "Only this keyspace (default: all)");
  command->add_flag("--pr,--partitioner-range", options->primary_range, "Repair only the node's primary ranges");
  CLI::Option* start = command->add_option("--st,--start-token", options->start_token, "Start token (exclusive)");
  CLI::Option* end = command->add_option("--et,--end-token", options->end_token, "End token (inclusive)");
  start->needs(end);
  end->needs(start);
  add_wait_options(*command, options->wait);
  command->callback([options, &context] {
    Json body = {{"primary_range", options->primary_range}};
    if (!options->keyspace.empty()) body["keyspace"] = options->keyspace;
    if (!options->start_token.empty()) {
      for (const std::string* token : {&options->start_token, &options->end_token}) {
        ringcore::parse_token(*token).value_or_throw();  // a bad token is bad input, before asking anyone
      }
      body["start_token"] = options->start_token;
      body["end_token"] = options->end_token;
    }
    run_operation("repair", body, options->wait, context);
  });
}

}  // namespace

void register_operation_commands(CLI::App& app, CommandContext& context) {
  register_decommission(app, context);
  register_removenode(app, context);
  register_cleanup(app, context);
  register_repair(app, context);
}

}  // namespace ringctl
