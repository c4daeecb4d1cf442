// Coordinator: serves a client's put/get/delete from any node, as Cassandra's coordinator
// does. It finds the key's replicas with ringcore (token_for_key, ReplicaPlacement over the
// ClusterView's ring), sends the request to every replica gossip says is up, in parallel, and
// answers once the consistency level is met:
//   ONE: 1 replica; QUORUM: floor(rf / 2) + 1; ALL: rf; where rf is the keyspace's total
//   replication factor (as Cassandra counts it, so ALL fails when fewer nodes than rf exist).
// Writes carry the coordinator's timestamp; replicas keep the newest cell (last write wins).
// Reads return the newest cell among the answers, and send it to answering replicas that hold
// an older one (read repair, in the background).
// When too few replicas answer within the timeout, the request fails with kUnavailable:
//   "QUORUM needs 2 of 3 replicas, 1 answered (127.0.0.2: down; 127.0.0.3: connection refused)"
//
// Replica writes to peers go through a CoordinatorWriteQueue: under load, several rows to a peer
// travel in one request.
//
// Writes go to ReplicaSet::natural plus ReplicaSet::pending; pending replicas (nodes that will
// replicate the token once the joins and leaves in progress are done: ClusterView's future
// ring) must also acknowledge, as in Cassandra: the level's count plus one per pending replica.
//
// Thread-safety: all members may be called from any thread at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster_view.h"
#include "coordinator_write_queue.h"
#include "hints.h"
#include "internode_api.h"
#include "ringcore/error.h"
#include "schema.h"
#include "storage.h"
#include "worker_pool.h"

namespace ringnode {

enum class ConsistencyLevel { kOne, kQuorum, kAll };

// "ONE", "QUORUM", "ALL" (any case). Errors name the text and the accepted levels.
ringcore::Result<ConsistencyLevel> parse_consistency_level(std::string_view text);
const char* consistency_level_name(ConsistencyLevel level);
// Replicas that must answer for `level` when the keyspace's replication factor is `rf`.
int replicas_needed(ConsistencyLevel level, int rf);

// Reads and writes one replica's copy of a row, wherever it lives (this node or a peer).
class ReplicaTransport {
 public:
  virtual ~ReplicaTransport() = default;
  // Applies the cell on `endpoint` (last write wins there); ok once the replica stored or
  // refused it as older.
  virtual ringcore::Status write(const std::string& endpoint, const std::string& keyspace, const std::string& key,
                                 const Cell& cell) = 0;
  // Applies `writes` on `endpoint` in one request where the transport can: one status per
  // write, in their order, each as write() would answer it. The default writes them one by one.
  virtual std::vector<ringcore::Status> write_batch(const std::string& endpoint, const std::vector<RowWrite>& writes) {
    std::vector<ringcore::Status> statuses;
    statuses.reserve(writes.size());
    for (const RowWrite& w : writes) statuses.push_back(write(endpoint, w.keyspace, w.key, w.cell));
    return statuses;
  }
  virtual ringcore::Result<std::optional<Cell>> read(const std::string& endpoint, const std::string& keyspace,
                                                     const std::string& key) = 0;
  // Whether `endpoint` is this node, whose copy is read and written in its own storage without
  // a network call: the coordinator does that request on its own thread.
  virtual bool is_local(const std::string& endpoint) const {
    (void)endpoint;
    return false;
  }
};

struct ReplicaSet {
  std::vector<std::string> natural;  // primary replica first, as placement lists them
  std::vector<std::string> pending;  // joining nodes that will own the token
};

struct WriteOutcome {
  std::int64_t timestamp_us = 0;
  int acks = 0;      // answers received when the coordinator replied
  int replicas = 0;  // replicas written to (natural + pending)
};

struct ReadOutcome {
  std::optional<Cell> cell;  // the newest answer; nullopt when no replica had the row
  int responses = 0;
  int replicas = 0;
};

struct ReplicaCopy {
  std::string address;
  std::optional<Cell> cell;  // when the replica answered and has the row (tombstones too)
  std::string error;         // when it did not answer
};

// Reads that compared the answers of several replicas, and those that found a replica behind
// and repaired it in the background (netstats' Read Repair Statistics).
struct ReadRepairCounts {
  std::uint64_t attempted = 0;
  std::uint64_t mismatches = 0;
};

class Coordinator {
 public:
  // `pool` runs the replica requests; `timeout` bounds the wait for replicas. With `hints`,
  // the writes a replica misses (down, refused, timed out) are kept there for replay.
  Coordinator(ReplicaTransport& transport, WorkerPool& pool, std::chrono::milliseconds timeout, Hints* hints = nullptr);

  // The replicas of `key` in `keyspace`. Errors: kUnavailable when no node owns tokens.
  static ringcore::Result<ReplicaSet> replicas_for(const ClusterView& view, const KeyspaceDef& keyspace,
                                                   std::string_view key);

  // Writes `value` (nullopt: a tombstone) with `timestamp_us`.
  ringcore::Result<WriteOutcome> write(const ClusterView& view, const KeyspaceDef& keyspace, const std::string& key,
                                       std::optional<std::string> value, ConsistencyLevel level,
                                       std::int64_t timestamp_us);
  ringcore::Result<ReadOutcome> read(const ClusterView& view, const KeyspaceDef& keyspace, const std::string& key,
                                     ConsistencyLevel level);
  // Every natural replica's own copy, asked directly (for verification tools); waits for all.
  ringcore::Result<std::vector<ReplicaCopy>> replica_copies(const ClusterView& view, const KeyspaceDef& keyspace,
                                                            const std::string& key);
  ReadRepairCounts read_repair_counts() const;

 private:
  // transport_.is_local, for fan_out.
  std::function<bool(const std::string&)> is_local() const;

  ReplicaTransport& transport_;
  WorkerPool& pool_;
  CoordinatorWriteQueue writes_;
  std::chrono::milliseconds timeout_;
  Hints* hints_;
  std::atomic<std::uint64_t> read_repair_attempted_{0};
  std::atomic<std::uint64_t> read_repair_mismatches_{0};
};

}  // namespace ringnode
