// CassandraBackend: the Backend of an Apache Cassandra node (4.0, 4.1, 5.0), reached through the
// Jolokia JVM agent (JMX over HTTP, agent/jolokia_client.h). A collection is two bulk requests:
// every attribute the documents need at once, then each keyspace's replication
// (agent/cassandra_mbeans.h builds the documents from them). The documents node, cluster,
// gossip and streams share one collection; a call more than kReuseFor after it collects anew.
//
// Operations (decommission, removenode, cleanup, repair) are jobs of ringd's own (JobTable): a
// blocking JMX call runs on the job's thread with a long timeout, so it never blocks the API
// or the collector (the Jolokia agent must run more than one thread: docs/cassandra-backend.md).
// Repair is started with repairAsync and followed by polling getParentRepairStatus, which
// keeps the outcome, so a missed poll loses nothing. A node that stops answering about the
// command (unreachable, or restarted and so forgot it) for `repair_status_grace` ends the job
// as failed, saying the repair's outcome is unknown, rather than polling for ever.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "backend.h"
#include "cassandra_mbeans.h"
#include "job_table.h"
#include "jolokia_client.h"

namespace ringd {

class CassandraBackend : public Backend {
 public:
  static constexpr std::chrono::milliseconds kReuseFor{500};

  static constexpr std::chrono::milliseconds kRepairStatusGrace = std::chrono::minutes(5);

  // `client`'s timeout bounds each collection request; operations wait up to `operation_timeout`.
  CassandraBackend(JolokiaClient client, std::chrono::milliseconds operation_timeout = std::chrono::hours(24),
                   std::chrono::milliseconds repair_status_grace = kRepairStatusGrace);

  ringcore::Result<nlohmann::json> node() override;
  ringcore::Result<nlohmann::json> cluster() override;
  ringcore::Result<nlohmann::json> gossip() override;
  ringcore::Result<nlohmann::json> streams() override;
  ringcore::Result<nlohmann::json> jobs() override;
  ringcore::Result<nlohmann::json> job(const std::string& id) override;
  ringcore::Result<OperationStarted> start_operation(const std::string& operation, const nlohmann::json& body) override;
  ringcore::Result<nlohmann::json> set_throughput(const nlohmann::json& body) override;

 private:
  struct Collection {
    MBeanValues values;
    MBeanValues replication;
    DiskFigures disk;
    std::chrono::steady_clock::time_point at;
  };
  // The last collection if younger than kReuseFor, else a new one.
  ringcore::Result<Collection> collection();
  // The user keyspaces (replicated, not LocalStrategy/system) of a fresh collection.
  ringcore::Result<std::vector<std::string>> user_keyspaces();

  JolokiaClient client_;
  JolokiaClient operation_client_;
  std::chrono::milliseconds repair_status_grace_;
  JobTable jobs_;
  std::mutex mutex_;
  std::optional<Collection> last_;
};

}  // namespace ringd
