// ringctl decommission|removenode|cleanup|repair: start an operation as a job on the node named
// with -h (never another: a change needs its target named), print the job, and with --wait
// follow it to its end; ringctl jobs [--wait ID]: list the node's jobs, or follow one again.
// Wiring only: the logic is in operations.*, the views in views/job_view.*.
#include <memory>

#include "commands/command_context.h"
#include "operations.h"
#include "ringcore/token.h"
#include "views/job_view.h"
#include "views/json_fields.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;

constexpr const char* kTargetNote = " Needs -h HOST[:PORT]: the agent of the node to act on.";

void register_decommission(CLI::App& app, CommandContext& context) {
  struct Options {
    bool force = false;
    WaitFlags wait;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "decommission", std::string("Stream the node's data away and remove it from the ring.") + kTargetNote);
  command->add_flag("-f,--force", options->force,
                    "Decommission even when fewer nodes than the replication factor remain");
  add_wait_options(*command, options->wait);
  command->callback([options, &context] {
    run_operation("decommission", {{"force", options->force}}, options->wait, context);
  });
}

void print_removal_status_of(const CommandContext& context) {
  AgentClient agent = connect_agents(context.source);
  Json running;
  const Json answer = agent.get("/v1/jobs");
  for (const Json& job : json_array(answer, "jobs")) {
    if (json_text(job, "operation") == "removenode" && json_text(job, "state") == "running") running = job;
  }
  print_removal_status(running, context.format, std::cout);
}

void register_removenode(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string host_id;
    WaitFlags wait;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "removenode", std::string("Re-replicate a dead node's data from the others and remove it (HOST_ID), or show "
                                "the removal status.") +
                        kTargetNote + " ('status' may ask any agent)");
  command->add_option("HOST_ID|status", options->host_id, "The dead node's host ID, or 'status'")->required();
  add_wait_options(*command, options->wait);
  command->callback([options, &context] {
    if (options->host_id == "status") {
      print_removal_status_of(context);
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
  CLI::App* command =
      app.add_subcommand("cleanup", std::string("Delete the data the node no longer owns.") + kTargetNote);
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
  CLI::App* command = app.add_subcommand(
      "repair", std::string("Compare the replicas of the node's ranges and fix differences.") + kTargetNote);
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

void register_jobs(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string job_id;
    WaitFlags wait;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "jobs", "List the node's jobs (operations it runs or ran), or follow one again with --wait ID");
  CLI::Option* wait =
      command->add_option("--wait", options->job_id, "Follow this job to its end, as the operation's --wait does")
          ->type_name("ID");
  command
      ->add_option("--timeout", options->wait.timeout_seconds,
                   "With --wait: give up waiting after this many seconds (exit 3). Above 0, at most 604800 (7 days)")
      ->check(timeout_check())
      ->needs(wait);
  command->callback([options, &context] {
    AgentClient agent = connect_agents(context.source);
    if (options->job_id.empty()) {
      const AgentView view = load_agent_view(agent, "/v1/jobs", "jobs");
      render_cluster_view(JobsReport{view.document, agent.answered_by()}, view.freshness, context.format, print_jobs,
                          jobs_document);
      return;
    }
    const Json answer = agent.get("/v1/jobs/" + options->job_id);
    options->wait.wait = true;
    follow_job(agent, job_of(answer), options->wait, context.format);
  });
}

}  // namespace

void register_operation_commands(CLI::App& app, CommandContext& context) {
  register_decommission(app, context);
  register_removenode(app, context);
  register_cleanup(app, context);
  register_repair(app, context);
  register_jobs(app, context);
}

}  // namespace ringctl
