// JobTable: ringd's own jobs, for a backend whose node has none (Cassandra's operations are
// blocking JMX calls). Each job runs its work on a thread of its own, so the call that starts
// it returns at once (202 and the job) and neither the API nor the collector waits for it.
// One job runs at a time, as on the lab node: starting the same operation with the same
// parameters while it runs answers 200 and that job; any other is kConflict naming the one
// running. Jobs are the documents of docs/api.md ({"id", "operation", "state", "progress",
// "started_at", "ended_at", "error", "parameters", "result"}), newest first.
//
// Thread-safety: every member may be called from any thread. A job thread holds the table's
// state by shared pointer, so destroying the table never waits for a blocking call; the call
// ends with its own timeout.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "backend.h"
#include "ringcore/error.h"

namespace ringd {

// What a job's work reports while it runs.
class JobProgress {
 public:
  virtual ~JobProgress() = default;
  virtual void set(std::int64_t done, std::int64_t total, const std::string& unit) = 0;
};

class JobTable {
 public:
  // The work of a job: its result document, or the Error that failed it.
  using Work = std::function<ringcore::Result<nlohmann::json>(JobProgress&)>;

  JobTable();

  ringcore::Result<OperationStarted> start(const std::string& operation, const nlohmann::json& parameters, Work work);
  nlohmann::json list() const;                                        // newest first
  ringcore::Result<nlohmann::json> job(const std::string& id) const;  // kNotFound for an unknown id

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace ringd
