// Collector: asks the backend for every document on an interval, on its own thread, and keeps
// the last result as CollectedFacts. Readers get a shared immutable snapshot at once; a slow or
// hung backend only delays the collector, never a reader.
//
// An attempt succeeds when every document was read; then all documents are replaced together
// and collected_at is set. A failed attempt keeps the previous documents (so the API serves the
// last known facts, marked stale by their age) and records the error. A node without
// /v1/streams or /v1/jobs (kNotFound) gives null streams and no jobs rather than a failure.
// The node's capacity gains the requests and drops of the last five minutes (RequestWindow):
// "requests_recent", "dropped_messages_recent" and "recent_window_seconds".
//
// Thread-safety: facts() and refresh() may be called from any thread; start()/stop() from one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "backend.h"
#include "collected_facts.h"
#include "request_window.h"

namespace ringd {

class Collector {
 public:
  Collector(Backend& backend, std::chrono::duration<double> interval);
  ~Collector();  // stops
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Collects at once, then every interval, until stop().
  void start();
  // Wakes the thread and waits for it; an attempt in progress finishes its current request.
  void stop();

  // One collection attempt on the calling thread (what the thread does each interval); never
  // called by two threads at once.
  void collect_once();
  // Asks for an attempt now rather than at the next interval (after an operation started).
  void refresh();
  // What a live read of one job showed (GET /v1/jobs/{id}). When the cached list has that job
  // in another state, it is replaced there at once and a collection is asked for: a client that
  // saw its job end must not find it running in /v1/jobs, or in the checks read from it, for up
  // to an interval after. A job not in the list is left to the next collection.
  void record_job(const nlohmann::json& job);

  // The facts of the last attempt; never null.
  std::shared_ptr<const CollectedFacts> facts() const;
  // How long the attempt in progress has been running; nullopt between attempts. A hung node
  // shows here long before its attempt fails.
  std::optional<std::chrono::duration<double>> attempt_running_for() const;

 private:
  void run();
  // Adds the recent request figures to the node document's capacity, when it has the counters.
  void add_recent_requests(nlohmann::json& node);

  Backend& backend_;
  std::chrono::duration<double> interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<const CollectedFacts> facts_;
  bool stopping_ = false;
  bool refresh_requested_ = false;
  std::atomic<bool> stop_flag_{false};  // read between requests of an attempt
  // steady_clock ticks when the attempt in progress started; 0 between attempts
  std::atomic<std::chrono::steady_clock::rep> attempt_started_{0};
  std::thread thread_;
  RequestWindow requests_window_;  // only collect_once touches it
};

}  // namespace ringd
