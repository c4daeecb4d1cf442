// JobRegistry: every operation a node runs for an operator (bootstrap, decommission,
// removenode, cleanup, repair) is a job with an id, a state, progress and times, so that it
// can be watched (GET /v1/jobs) and its outcome read after it ended.
//
// One operation at a time: start() runs the job's work on a thread of its own unless a job is
// running already. Asking again for the same operation with the same parameters returns the
// running job (the caller retried, or two operators asked at once); asking for a different one
// is refused (kConflict) naming the running job.
//
// Thread-safety: all members may be called from any thread. A job's work reports through its
// JobHandle, which may be used from that one thread only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringcore/error.h"

namespace ringnode {

enum class JobState { kRunning, kSucceeded, kFailed };
const char* job_state_name(JobState state);

struct Job {
  std::string id;
  std::string operation;      // bootstrap, decommission, removenode, cleanup, repair
  nlohmann::json parameters;  // what was asked
  JobState state = JobState::kRunning;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::string unit = "bytes";  // of done and total: bytes or ranges
  std::chrono::system_clock::time_point started_at;
  std::optional<std::chrono::system_clock::time_point> ended_at;
  std::string error;  // when failed
  nlohmann::json result = nlohmann::json::object();

  // The API shape (docs/ringnode-api.md).
  nlohmann::json to_json() const;
};

class JobRegistry;

// What a job's work uses to report progress and its result.
class JobHandle {
 public:
  JobHandle(JobRegistry& registry, std::string id) : registry_(registry), id_(std::move(id)) {}
  const std::string& id() const { return id_; }
  void set_total(std::uint64_t total, const char* unit);
  void add_done(std::uint64_t amount);
  void set_result(nlohmann::json result);
  // True once the node is stopping: long work should give up (and fail) soon.
  bool cancelled() const;

 private:
  JobRegistry& registry_;
  std::string id_;
};

struct StartedJob {
  Job job;
  bool created = false;  // false: an equal job was already running and is returned instead
};

class JobRegistry {
 public:
  // Work returns its error, or Ok; the job ends succeeded or failed accordingly (an exception
  // from the work fails it too).
  using Work = std::function<ringcore::Status(JobHandle&)>;

  JobRegistry() = default;
  ~JobRegistry();  // cancel() and waits for the running job's thread
  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

  // Starts `work` as a new job, or returns the running job when it is the same operation with
  // the same parameters. `check` runs first, only when a new job would start, and its error
  // refuses the start (nothing else changes). Errors: kConflict when another job runs; check's.
  ringcore::Result<StartedJob> start(const std::string& operation, nlohmann::json parameters,
                                     const std::function<ringcore::Status()>& check, Work work);

  std::vector<Job> jobs() const;  // newest first
  std::optional<Job> job(const std::string& id) const;
  std::optional<Job> running() const;

  // Asks the running job to stop (JobHandle::cancelled) and waits for it.
  void cancel();

 private:
  friend class JobHandle;
  template <class Fn>
  void update(const std::string& id, Fn fn);
  void finish(const std::string& id, const ringcore::Status& outcome);

  mutable std::mutex mutex_;
  std::vector<Job> jobs_;                  // oldest first; guarded by mutex_
  std::optional<std::string> running_id_;  // guarded by mutex_
  bool cancelled_ = false;                 // guarded by mutex_
  std::thread worker_;                     // the running (or last) job's thread
};

}  // namespace ringnode
