// StreamManager: the node's streaming sessions, as nodetool netstats shows them, and the
// node's streaming throughput limit.
//
// A stream plan belongs to one job (Bootstrap, Unbootstrap, Restore replica count, Repair) and
// has a session per peer and direction, seen from this node: "receiving" from the peer rows
// come from, "sending" to the peer rows go to (a node relaying between two peers, as the
// removenode coordinator does, has both). Sessions count total and done bytes and ranges, rows,
// and throughput over the last 10 seconds. Plans of ended jobs stay visible until a new plan
// with the same description starts.
//
// The limit (stream_throughput, MiB/s; 0 = unlimited) applies to every byte this node moves,
// whichever direction, and a change applies at once to running sessions.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringcore/throughput_limiter.h"

namespace ringnode {

enum class StreamDirection { kReceiving, kSending };

struct SessionKey {
  std::string plan_id;
  std::string peer;
  StreamDirection direction;
};

class StreamManager {
 public:
  explicit StreamManager(double mib_per_second = 0);

  // Starts a plan and returns its id; drops ended plans with the same description.
  std::string begin_plan(const std::string& description, const std::string& job_id);
  // Marks the plan's sessions complete (ok) or failed.
  void end_plan(const std::string& plan_id, bool ok);

  // Adds to a session's totals (creating the session).
  void add_total(const SessionKey& session, std::uint64_t bytes, std::uint64_t ranges);
  void add_done(const SessionKey& session, std::uint64_t bytes, std::uint64_t rows);
  void range_done(const SessionKey& session);

  // Blocks as long as the limit requires before `bytes` more may move. A new limit applies at
  // once: set_throughput() ends every wait made under the old one (an operator lifting a crawl
  // does not wait out a page that was priced at it).
  void throttle(std::uint64_t bytes);
  void set_throughput(double mib_per_second);
  double throughput() const;  // MiB/s, 0 = unlimited

  // GET /v1/streams's shape without the mode and read-repair fields (docs/ringnode-api.md).
  nlohmann::json to_json() const;

 private:
  struct Session {
    std::string peer;
    StreamDirection direction = StreamDirection::kReceiving;
    std::uint64_t total_bytes = 0, done_bytes = 0, total_ranges = 0, done_ranges = 0, rows = 0;
    std::string state = "streaming";
    ringcore::RateMeter meter;
  };
  struct Plan {
    std::string id, description, job_id;
    bool ended = false;
    std::vector<Session> sessions;
  };
  Session& session(const SessionKey& key);  // REQUIRES: mutex_ held

  mutable std::mutex mutex_;
  std::vector<Plan> plans_;              // guarded by mutex_
  ringcore::ThroughputLimiter limiter_;  // guarded by mutex_
  double mib_per_second_;                // guarded by mutex_
  std::uint64_t rate_changes_ = 0;       // guarded by mutex_; ends throttle()'s waits
  std::condition_variable rate_changed_;
};

}  // namespace ringnode
