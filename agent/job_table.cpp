#include "job_table.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "ringruntime/iso8601.h"

namespace ringd {

using nlohmann::json;
using ringcore::Error;

namespace {

constexpr std::size_t kJobsKept = 50;

std::string now_text() { return ringruntime::format_iso8601_utc(std::chrono::system_clock::now()); }

}  // namespace

struct JobTable::State {
  mutable std::mutex mutex;
  std::deque<json> jobs;  // newest first
  std::atomic<std::uint64_t> next{1};

  json* find(const std::string& id) {
    for (json& job : jobs) {
      if (job["id"] == id) return &job;
    }
    return nullptr;
  }
};

namespace {

class Progress : public JobProgress {
 public:
  explicit Progress(std::function<void(json)> update) : update_(std::move(update)) {}
  void set(std::int64_t done, std::int64_t total, const std::string& unit) override {
    update_({{"done", done}, {"total", total}, {"unit", unit}});
  }

 private:
  std::function<void(json)> update_;
};

}  // namespace

JobTable::JobTable() : state_(std::make_shared<State>()) {}

ringcore::Result<OperationStarted> JobTable::start(const std::string& operation, const json& parameters, Work work) {
  std::shared_ptr<State> state = state_;
  std::string id;
  json job;
  {
    std::lock_guard lock(state->mutex);
    for (const json& existing : state->jobs) {
      if (existing["state"] != "running") continue;
      if (existing["operation"] == operation && existing["parameters"] == parameters)
        return OperationStarted{200, existing};
      return Error::conflict("another operation runs on this node: " + existing["operation"].get<std::string>() +
                             " (job " + existing["id"].get<std::string>() + ")");
    }
    id = "ringd-" +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count()) +
         "-" + std::to_string(state->next++);
    job = {{"id", id},
           {"operation", operation},
           {"state", "running"},
           {"progress", nullptr},
           {"started_at", now_text()},
           {"ended_at", nullptr},
           {"error", nullptr},
           {"parameters", parameters},
           {"result", nullptr}};
    state->jobs.push_front(job);
    while (state->jobs.size() > kJobsKept) state->jobs.pop_back();
  }
  std::thread([state, id, work = std::move(work)] {
    auto update = [state, id](const std::function<void(json&)>& change) {
      std::lock_guard lock(state->mutex);
      if (json* job = state->find(id)) change(*job);
    };
    Progress progress([update](json figures) { update([&](json& job) { job["progress"] = std::move(figures); }); });
    ringcore::Result<json> outcome = Error(ringcore::ErrorCode::kInternal, "the job did not run");
    try {
      outcome = work(progress);
    } catch (const std::exception& error) {
      outcome = Error(ringcore::ErrorCode::kInternal, error.what());
    }
    update([&](json& job) {
      job["ended_at"] = now_text();
      if (outcome) {
        job["state"] = "succeeded";
        job["result"] = *outcome;
      } else {
        job["state"] = "failed";
        job["error"] = outcome.error().message();
      }
    });
  }).detach();
  return OperationStarted{202, job};
}

json JobTable::list() const {
  std::lock_guard lock(state_->mutex);
  return json(state_->jobs);
}

ringcore::Result<json> JobTable::job(const std::string& id) const {
  std::lock_guard lock(state_->mutex);
  if (json* job = state_->find(id)) return *job;
  return Error::not_found("no job " + id + " on this agent");
}

}  // namespace ringd
