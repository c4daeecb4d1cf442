#include "job_wait.h"

#include <algorithm>

#include "views/json_fields.h"

namespace ringctl {

bool no_answer(const ringcore::Error& error) {
  return error.code() == ringcore::ErrorCode::kUnavailable || error.code() == ringcore::ErrorCode::kTimedOut ||
         error.code() == ringcore::ErrorCode::kNodeUnavailable;
}

nlohmann::json job_of(const nlohmann::json& answer) {
  return answer.is_object() && answer.contains("job") ? answer["job"] : answer;
}

std::string event_for_state(const nlohmann::json& job) {
  const std::string state = json_text(job, "state");
  if (state == "succeeded") return "done";
  if (state == "failed") return "failed";
  return "progress";
}

JobEvent wait_for_job(const nlohmann::json& job, const std::function<nlohmann::json(const std::string&)>& fetch,
                      const std::function<void(const JobEvent&)>& on_event, const WaitOptions& options,
                      const WaitClock& clock) {
  const std::string id = json_text(job, "id");
  const auto start = clock.now();
  nlohmann::json current = job;
  nlohmann::json last_reported;
  auto interval = options.first_interval;
  auto last_answer = start;
  bool unanswered = false;  // in a gap of polls without an answer
  for (;;) {
    JobEvent event{event_for_state(current), current};
    if (event.event != "progress") {
      on_event(event);
      return event;
    }
    const bool moved = last_reported.is_null() ||
                       current.value("progress", nlohmann::json()) != last_reported.value("progress", nlohmann::json());
    if (moved) {
      on_event(event);
      last_reported = current;
    }
    if (options.timeout && clock.now() - start >= *options.timeout) {
      JobEvent timeout{"timeout", current};
      on_event(timeout);
      return timeout;
    }
    auto pause = interval;
    if (options.timeout) {  // never sleep past the deadline
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*options.timeout - (clock.now() - start));
      pause = std::clamp(left, std::chrono::milliseconds(0), pause);
    }
    clock.sleep(pause);
    interval = std::min(interval * 2, options.max_interval);
    try {
      current = fetch(id);
      last_answer = clock.now();
      // The first answer after a gap is reported whether or not the job moved: the wait rode
      // through.
      if (unanswered) last_reported = nullptr;
      unanswered = false;
    } catch (const ringcore::Error& error) {
      if (no_answer(error) && clock.now() - last_answer < options.unanswered_grace) {
        // Said once a gap, so that whoever follows sees why nothing moves.
        if (!unanswered) on_event(JobEvent{"unanswered", current, error.message()});
        unanswered = true;
        continue;
      }
      JobEvent unknown{"unknown", current, error.message()};
      on_event(unknown);
      return unknown;
    }
  }
}

std::string reattach_command(const std::string& agent, const std::string& id) {
  return "ringctl jobs -h " + agent + " --wait " + id;
}

void raise_for(const JobEvent& final_event, const std::string& agent) {
  const std::string id = json_text(final_event.job, "id");
  const std::string what = json_text(final_event.job, "operation", "job") + " job " + id;
  if (final_event.event == "failed") {
    throw ringcore::Error::failed(what + " failed: " + json_text(final_event.job, "error", "no reason given"));
  }
  if (final_event.event == "timeout") {
    throw ringcore::Error::timed_out("timed out waiting for " + what +
                                     "; it may still be running (follow it with: " + reattach_command(agent, id) + ")");
  }
  if (final_event.event == "unknown") {
    throw ringcore::Error(ringcore::ErrorCode::kOutcomeUnknown,
                          "lost sight of " + what + " (" + final_event.reason +
                              "): it may have finished, failed or still run; when the agent answers again: " +
                              reattach_command(agent, id));
  }
}

}  // namespace ringctl
