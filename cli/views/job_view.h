// The job views: what decommission, removenode, cleanup, repair and `jobs` print about the
// agent's jobs (contract A's job object: id, operation, state, progress {done, total, unit},
// started_at, ended_at, error, parameters, result). docs/json-output.md has the shapes.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "job_wait.h"
#include "output.h"

namespace ringctl {

// An operation's answer without --wait: "decommission job ID started" (or "is already
// running"), or {"job", "already_running"}.
void print_job_started(const nlohmann::json& job, bool already_running, OutputFormat format, std::ostream& out);

// One --wait event: a JSON line {"event", "job"[, "error"]} (JSON Lines), or a YAML document
// after "---". REQUIRES: format is kJson or kYaml.
void print_job_event(const JobEvent& event, OutputFormat format, std::ostream& out);

// The table line for a job that succeeded: "cleanup job ID succeeded: bytes_removed 10".
void print_job_succeeded(const nlohmann::json& job, std::ostream& out);

// `removenode status`: nodetool's "RemovalStatus: ..." line over the running removenode job
// (null for none), or {"removing": job|null}.
void print_removal_status(const nlohmann::json& running, OutputFormat format, std::ostream& out);

// `jobs`: the agent's jobs (GET /v1/jobs "jobs"), newest first.
struct JobsReport {
  nlohmann::json jobs;  // an array (anything else shows as none)
  std::string agent;    // the agent asked
};
// A table (ID, OPERATION, STATE, PROGRESS, STARTED), or "No jobs on the node of agent A.".
void print_jobs(const JobsReport& report, std::ostream& out);
// {"agent", "jobs"}.
Document jobs_document(const JobsReport& report);

}  // namespace ringctl
