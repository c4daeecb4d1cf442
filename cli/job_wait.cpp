#include "job_wait.h"

#include <algorithm>
#include <thread>

#include "ringcore/error.h"
#include "views/json_fields.h"

namespace ringctl {

WaitClock real_clock() {
  return {[] { return std::chrono::steady_clock::now(); },
          [](std::chrono::milliseconds interval) { std::this_thread::sleep_for(interval); }};
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
  for (;;) {
    JobEvent event{event_for_state(current), current};
    if (event.event != "progress") {
      on_event(event);
      return event;
    }
    const bool moved = last_reported.is_null() || current.value("progress", nlohmann::json()) !=
                                                      last_reported.value("progress", nlohmann::json());
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
    current = fetch(id);
  }
}

void raise_for(const JobEvent& final_event) {
  const std::string what = json_text(final_event.job, "operation", "job") + " job " + json_text(final_event.job, "id");
  if (final_event.event == "failed") {
    throw ringcore::Error::failed(what + " failed: " + json_text(final_event.job, "error", "no reason given"));
  }
  if (final_event.event == "timeout") {
    throw ringcore::Error::timed_out("timed out waiting for " + what + "; it may still be running (ringctl netstats, or GET /v1/jobs/" +
                   json_text(final_event.job, "id") + " on the agent)");
  }
}

}  // namespace ringctl
