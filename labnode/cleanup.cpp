// cleanup: drops the rows of ranges this node no longer replicates (operations.h). Like
// Cassandra, it refuses while nodes join or leave: their pending ranges are still moving.
#include <algorithm>

#include "cleanup_pace.h"
#include "local_ranges.h"
#include "node.h"
#include "operations.h"
#include "ringcore/throughput_limiter.h"
#include "test_hold.h"

namespace ringnode {
namespace {

struct Doomed {
  std::string keyspace;
  ringcore::TokenRange range;
};

// The ranges of `keyspaces` this node holds rows for but does not replicate.
ringcore::Result<std::vector<Doomed>> ranges_to_drop(Node& node, const std::vector<KeyspaceDef>& keyspaces) {
  const auto view = node.gossip().view();
  const std::string& self = node.config().listen_address;
  std::vector<Doomed> doomed;
  for (const KeyspaceDef& keyspace : keyspaces) {
    if (keyspace.replication.kind == ringcore::StrategyKind::kLocal || !node.storage().has_keyspace(keyspace.name))
      continue;
    auto ranges = replicated_ranges(*view, keyspace.replication);
    if (!ranges) return ranges.error();
    for (const ReplicatedRange& range : *ranges) {
      if (std::find(range.replicas.begin(), range.replicas.end(), self) == range.replicas.end()) {
        doomed.push_back({keyspace.name, range.range});
      }
    }
  }
  return doomed;
}

std::vector<KeyspaceDef> chosen_keyspaces(Node& node, const std::optional<std::string>& name) {
  const Schema schema = node.schema().current();
  if (!name) return schema.keyspaces();
  return {*schema.find(*name)};
}

ringcore::Status run_cleanup(Node& node, const std::vector<KeyspaceDef>& keyspaces, JobHandle& job) {
  auto doomed = ranges_to_drop(node, keyspaces);
  if (!doomed) return doomed.error();
  job.set_total(doomed->size(), "ranges");
  const std::uint64_t disk_before = node.storage().disk_bytes();
  ringcore::ThroughputLimiter limiter(node.config().compaction_throughput_mib * 1024 * 1024, 0);
  RemovedRows total;
  for (const Doomed& range : *doomed) {
    if (job.cancelled()) return ringcore::Error::failed("cancelled: the node is stopping");
    auto removed = node.storage().remove_range(range.keyspace, range.range);
    if (!removed) return removed.error();
    total.rows += removed->rows;
    total.bytes += removed->bytes;
    job.add_done(1);
    pace_cleanup(limiter, removed->bytes, [&] { return job.cancelled(); });
  }
  hold_for_test(kHoldCleanupCompacting, job);
  auto compacted = node.storage().compact();
  if (!compacted) return compacted;
  node.publish_load();
  job.set_result({{"bytes_freed", total.bytes},
                  {"rows_removed", total.rows},
                  {"ranges_dropped", doomed->size()},
                  {"disk_bytes_before", disk_before},
                  {"disk_bytes_after", node.storage().disk_bytes()}});
  return ringcore::Ok{};
}

}  // namespace

ringcore::Result<StartedJob> start_cleanup(Node& node, const std::optional<std::string>& keyspace) {
  nlohmann::json parameters = nlohmann::json::object();
  if (keyspace) parameters["keyspace"] = *keyspace;
  return node.jobs().start(
      "cleanup", parameters,
      [&node, keyspace]() -> ringcore::Status {
        if (keyspace && node.schema().current().find(*keyspace) == nullptr) {
          return ringcore::Error::not_found("keyspace '" + *keyspace + "' does not exist");
        }
        if (node.gossip().view()->changing()) {
          return ringcore::Error::conflict("Node is involved in cluster membership changes. Not safe to run cleanup.");
        }
        return ringcore::Ok{};
      },
      [&node, keyspace](JobHandle& job) { return run_cleanup(node, chosen_keyspaces(node, keyspace), job); });
}

}  // namespace ringnode
