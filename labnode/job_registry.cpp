#include "job_registry.h"

#include <algorithm>

#include "node_identity.h"
#include "ringruntime/iso8601.h"
#include "ringruntime/log.h"

namespace ringnode {

const char* job_state_name(JobState state) {
  switch (state) {
    case JobState::kRunning:
      return "running";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
  }
  return "failed";
}

nlohmann::json Job::to_json() const {
  return {{"id", id},
          {"operation", operation},
          {"state", job_state_name(state)},
          {"progress", {{"done", done}, {"total", total}, {"unit", unit}}},
          {"started_at", ringruntime::format_iso8601_utc(started_at)},
          {"ended_at", ended_at ? nlohmann::json(ringruntime::format_iso8601_utc(*ended_at)) : nlohmann::json(nullptr)},
          {"error", state == JobState::kFailed ? nlohmann::json(error) : nlohmann::json(nullptr)},
          {"parameters", parameters},
          {"result", result}};
}

void JobHandle::set_total(std::uint64_t total, const char* unit) {
  registry_.update(id_, [&](Job& job) {
    job.total = total;
    job.unit = unit;
  });
}

void JobHandle::add_done(std::uint64_t amount) {
  registry_.update(id_, [&](Job& job) { job.done += amount; });
}

void JobHandle::set_result(nlohmann::json result) {
  registry_.update(id_, [&](Job& job) { job.result = std::move(result); });
}

bool JobHandle::cancelled() const {
  std::lock_guard lock(registry_.mutex_);
  return registry_.cancelled_;
}

JobRegistry::~JobRegistry() { cancel(); }

template <class Fn>
void JobRegistry::update(const std::string& id, Fn fn) {
  std::lock_guard lock(mutex_);
  for (Job& job : jobs_) {
    if (job.id == id) fn(job);
  }
}

ringcore::Result<StartedJob> JobRegistry::start(const std::string& operation, nlohmann::json parameters,
                                                const std::function<ringcore::Status()>& check, Work work) {
  std::lock_guard lock(mutex_);
  if (running_id_) {
    const Job& running =
        *std::find_if(jobs_.begin(), jobs_.end(), [&](const Job& job) { return job.id == *running_id_; });
    if (running.operation == operation && running.parameters == parameters) return StartedJob{running, false};
    return ringcore::Error::conflict("another operation is running on this node: " + running.operation + " (job " +
                                     running.id + "); wait for it to end");
  }
  if (cancelled_) return ringcore::Error::conflict("the node is stopping");
  if (auto allowed = check(); !allowed) return allowed.error();
  if (worker_.joinable()) worker_.join();  // the previous job's thread has ended its work

  Job job;
  job.id = random_uuid(*entropy_random());
  job.operation = operation;
  job.parameters = std::move(parameters);
  job.started_at = std::chrono::system_clock::now();
  jobs_.push_back(job);
  running_id_ = job.id;
  ringruntime::log_info("job " + job.id + ": " + operation + " started " + job.parameters.dump());
  worker_ = std::thread([this, id = job.id, work = std::move(work)] {
    JobHandle handle(*this, id);
    ringcore::Status outcome = ringcore::Ok{};
    try {
      outcome = work(handle);
    } catch (const ringcore::Error& error) {
      outcome = error;
    } catch (const std::exception& error) {
      outcome = ringcore::Error(ringcore::ErrorCode::kInternal, error.what());
    }
    finish(id, outcome);
  });
  return StartedJob{std::move(job), true};
}

void JobRegistry::finish(const std::string& id, const ringcore::Status& outcome) {
  std::lock_guard lock(mutex_);
  for (Job& job : jobs_) {
    if (job.id != id) continue;
    job.state = outcome ? JobState::kSucceeded : JobState::kFailed;
    if (!outcome) job.error = outcome.error().message();
    job.ended_at = std::chrono::system_clock::now();
    ringruntime::log_info("job " + id + ": " + job.operation + " " + job_state_name(job.state) +
                          (outcome ? "" : ": " + job.error) + " " + job.result.dump());
  }
  running_id_.reset();
}

std::vector<Job> JobRegistry::jobs() const {
  std::lock_guard lock(mutex_);
  return {jobs_.rbegin(), jobs_.rend()};
}

std::optional<Job> JobRegistry::job(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const Job& job : jobs_) {
    if (job.id == id) return job;
  }
  return std::nullopt;
}

std::optional<Job> JobRegistry::running() const {
  std::lock_guard lock(mutex_);
  if (!running_id_) return std::nullopt;
  for (const Job& job : jobs_) {
    if (job.id == *running_id_) return job;
  }
  return std::nullopt;
}

void JobRegistry::cancel() {
  std::thread worker;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

}  // namespace ringnode
