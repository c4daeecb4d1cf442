// Waiting for an agent job (contract A's job object) to end: polling with backoff, a progress
// event whenever the job's progress or state moves, and one final event.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ringcore/error.h"
#include "ringruntime/wait.h"

namespace ringctl {

struct JobEvent {
  std::string event;        // "progress", "unanswered", "done", "failed", "timeout" or "unknown"
  nlohmann::json job;       // the job object as last seen
  std::string reason = {};  // for "unanswered" and "unknown": why the agent gave no answer
};

struct WaitOptions {
  std::optional<std::chrono::milliseconds> timeout;  // none: wait as long as it runs
  std::chrono::milliseconds first_interval{200};     // poll backoff: doubles up to max_interval
  std::chrono::milliseconds max_interval{1000};
  // How long polls may go unanswered (agent unreachable or timing out) before the job's
  // outcome is called unknown: long enough to ride through an agent's restart (ringd.service
  // restarts a failed agent after 5 s, which then starts and collects once) or a hung agent
  // resumed, with room to spare on a loaded machine.
  std::chrono::milliseconds unanswered_grace{30000};
};

// The job object in an answer about one job (an operation's start, GET /v1/jobs/{id}): ringd
// wraps it as {"job": ...}, a node's own API (ringnode) answers it bare. The one place that
// knows both shapes; every reader of a job answer goes through it.
nlohmann::json job_of(const nlohmann::json& answer);

// Whether `error` is no answer about a job, one that may come yet: the agent did not answer
// (kUnavailable: down, restarting; kTimedOut: too busy), or answered that its node did not
// (kNodeUnavailable: the node restarting, hung, or paused by a collector).
bool no_answer(const ringcore::Error& error);

// Time for wait_for_job, so tests can run it without sleeping: the clock of every wait.
using ringruntime::real_clock;
using ringruntime::WaitClock;

// Follows `job` (as the operation's answer gave it) until it succeeds or fails, or the timeout
// passes: `fetch(id)` returns the job's current object. Calls `on_event` with "progress" for
// the first sight and each change, then once with the final event, which it returns.
// When `fetch` gets no answer (no_answer above), it calls `on_event` with "unanswered" (once a
// gap, with the reason) and asks again at the usual intervals until `unanswered_grace` has
// passed since the last answer, reporting the first answer after the gap as "progress"; then, or
// at once for any other error (the job is gone, as after its node restarted; the
// answer makes no sense), the wait ends with "unknown": the job was started and nobody can say
// now how it ends.
JobEvent wait_for_job(const nlohmann::json& job, const std::function<nlohmann::json(const std::string&)>& fetch,
                      const std::function<void(const JobEvent&)>& on_event, const WaitOptions& options,
                      const WaitClock& clock);

// The final event as the exit status: nothing for "done"; throws ringcore::Error: kFailed
// (with the job's error) for "failed", kTimedOut for "timeout", kOutcomeUnknown for
// "unknown"; the last two say how to follow the job again through `agent`.
void raise_for(const JobEvent& final_event, const std::string& agent);

// The command that follows job `id` on `agent` again: "ringctl jobs -h AGENT --wait ID".
std::string reattach_command(const std::string& agent, const std::string& id);

// The event a job's state stands for: "done" for succeeded, "failed" for failed, else
// "progress".
std::string event_for_state(const nlohmann::json& job);

}  // namespace ringctl
