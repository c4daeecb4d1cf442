// Operations on a node as agent jobs: start one (POST /v1/operations/{op}) and, with --wait,
// follow it to its end (GET /v1/jobs/{id}): a progress bar on a terminal, or one JSON event
// per line with -o json. The logic of the decommission, removenode, cleanup, repair and jobs
// commands; their views are in views/job_view.h.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "agent_client.h"
#include "commands/command_context.h"

namespace ringctl {

struct WaitFlags {
  bool wait = false;
  double timeout_seconds = 0;  // 0: no limit; else validated by timeout_check()
};

// Starts `operation` with `body` on the node whose agent was named with -h (never another:
// AgentClient::post), prints the job, and with flags.wait follows it (follow_job).
void run_operation(const std::string& operation, const nlohmann::json& body, const WaitFlags& flags,
                   const CommandContext& context);

// Follows `job` on `agent` to its end, printing progress and the end; Ctrl-C says the job
// goes on and how to follow it again. Throws ringcore::Error for an end that is not success
// (raise_for).
void follow_job(AgentClient& agent, const nlohmann::json& job, const WaitFlags& flags, OutputFormat format);

// Sets the streaming throughput cap of the node whose agent `agent` names (PUT
// /v1/streams/throughput; 0 = unlimited) and returns the cap now in force, as the node answers
// it. Throws as AgentClient::put.
double set_stream_throughput(AgentClient& agent, double mib_per_second);

}  // namespace ringctl
