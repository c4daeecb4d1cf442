// repair: Merkle-tree anti-entropy between the replicas of the ranges this node replicates
// (operations.h).
//
// For each range: every replica answers the digests of the range's bucket segments, which it
// keeps up to date as it writes (merkle_buckets.h), so unchanged data is compared without
// reading it. Over each run of segments where any replica differs, every replica builds a
// Merkle tree of its rows, all at once (at a depth giving about kRowsPerLeaf rows per leaf,
// from this node's estimated row count), and the leaf ranges where any replica's tree differs
// from the first's are synced: the rows of those leaf ranges
// are read from every replica, and the newest cell of each key goes to the replicas that lack
// it (last write wins, so a sync never replaces newer data). Every replica must be up. Up to
// kParallelRanges ranges are repaired at once.
#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "local_ranges.h"
#include "node.h"
#include "operations.h"
#include "ringruntime/log.h"
#include "row_stream.h"
#include "test_hold.h"

namespace ringnode {
namespace {

constexpr std::uint64_t kRowsPerLeaf = 8;
constexpr int kMaxRepairDepth = 15;  // 32,768 leaves: about 1.2 MB of tree per replica
constexpr std::uint64_t kPageBytes = 256 * 1024;
constexpr std::size_t kParallelRanges = 3;

struct RepairTotals {
  std::uint64_t ranges_checked = 0;
  std::uint64_t ranges_differing = 0;  // leaf ranges (merged when adjacent) that differed
  std::uint64_t bytes_streamed = 0;
  std::uint64_t rows_streamed = 0;
};

struct RangeToRepair {
  std::string keyspace;
  ringcore::TokenRange range;
  std::vector<std::string> replicas;
  std::uint64_t estimated_rows = 0;  // this node's, for the trees' depth
  // Each replica's digests of segments_of(range), in replicas' order (gather_digests).
  std::vector<std::vector<SegmentDigest>> digests;
};

long double width_of(const ringcore::TokenRange& range) {
  return range.is_full_ring() ? 18446744073709551616.0L : static_cast<long double>(range.width());
}

// This node's estimated row count per keyspace (RocksDB's estimate: no scan).
std::map<std::string, std::uint64_t> estimated_rows(const Storage& storage) {
  std::map<std::string, std::uint64_t> rows;
  for (const KeyspaceCompactionStats& stats : storage.compaction_stats()) rows[stats.keyspace] = stats.estimated_keys;
  return rows;
}

ringcore::Result<std::vector<RangeToRepair>> ranges_to_repair(Node& node, const RepairRequest& request) {
  const auto view = node.gossip().view();
  const std::string& self = node.config().listen_address;
  std::vector<RangeToRepair> chosen;
  const Schema schema = node.schema().current();
  for (const KeyspaceDef& keyspace : schema.keyspaces()) {
    if (request.keyspace && keyspace.name != *request.keyspace) continue;
    if (keyspace.replication.kind == ringcore::StrategyKind::kLocal) continue;
    if (keyspace.replication.total_replicas() < 2) {
      ringruntime::log_info("repair: replication factor is 1. No repair is needed for keyspace '" + keyspace.name +
                            "'");
      continue;
    }
    auto ranges = replicated_ranges(*view, keyspace.replication);
    if (!ranges) return ranges.error();
    // The rows of a range, estimated from the node's rows spread evenly over what it replicates.
    long double replicated_width = 0;
    for (const ReplicatedRange& range : *ranges) {
      if (std::find(range.replicas.begin(), range.replicas.end(), self) != range.replicas.end()) {
        replicated_width += width_of(range.range);
      }
    }
    const auto rows_of = [&, rows = estimated_rows(node.storage())[keyspace.name]](const ringcore::TokenRange& part) {
      return replicated_width > 0 ? static_cast<std::uint64_t>(rows * width_of(part) / replicated_width) : 0;
    };
    for (const ReplicatedRange& range : *ranges) {
      const bool mine = request.primary_range
                            ? range.replicas.front() == self
                            : std::find(range.replicas.begin(), range.replicas.end(), self) != range.replicas.end();
      if (!mine || range.replicas.size() < 2) continue;
      std::vector<ringcore::TokenRange> parts = {range.range};
      if (request.range) parts = intersect(range.range, *request.range);
      for (const ringcore::TokenRange& part : parts)
        chosen.push_back({keyspace.name, part, range.replicas, rows_of(part), {}});
    }
  }
  return chosen;
}

// The cells every replica holds for the keys of `range`: key -> one optional cell per replica.
using Copies = std::map<std::string, std::vector<std::optional<Cell>>>;

ringcore::Result<Copies> read_copies(ClusterTransport& transport, const RangeToRepair& repair,
                                     const ringcore::TokenRange& range) {
  Copies copies;
  for (std::size_t r = 0; r < repair.replicas.size(); ++r) {
    for (const ringcore::TokenRange& part : split_whole_ring(range)) {
      std::optional<RowCursor> after;
      while (true) {
        auto page = transport.read_page(repair.replicas[r], repair.keyspace, part, after, kPageBytes);
        if (!page) return page.error();
        for (const StoredRow& row : page->rows) {
          auto& cells = copies[row.key];
          cells.resize(repair.replicas.size());
          cells[r] = row.cell;
        }
        if (!page->rows.empty()) after = RowCursor{page->rows.back().token, page->rows.back().key};
        if (page->last) break;
      }
    }
  }
  return copies;
}

// Sends the newest copy of each key of `range` to the replicas whose copy is missing or older.
ringcore::Status sync_range(Node& node, const std::string& plan_id, const RangeToRepair& repair,
                            const ringcore::TokenRange& range, RepairTotals& totals) {
  auto copies = read_copies(node.transport(), repair, range);
  if (!copies) return copies.error();
  std::vector<std::vector<StoredRow>> outgoing(repair.replicas.size());
  for (auto& [key, cells] : *copies) {
    const Cell* newest = nullptr;
    for (const auto& cell : cells) {
      if (cell && (newest == nullptr || supersedes(*cell, *newest))) newest = &*cell;
    }
    for (std::size_t r = 0; r < cells.size(); ++r) {
      if (!cells[r] || supersedes(*newest, *cells[r])) {
        outgoing[r].push_back(StoredRow{ringcore::token_for_key(key), key, *newest});
      }
    }
  }
  const std::string& self = node.config().listen_address;
  for (std::size_t r = 0; r < outgoing.size(); ++r) {
    if (outgoing[r].empty()) continue;
    std::uint64_t bytes = 0;
    for (const StoredRow& row : outgoing[r]) bytes += row_bytes(row.key, row.cell);
    node.streams().throttle(bytes);
    auto applied = node.transport().apply_rows(repair.replicas[r], repair.keyspace, outgoing[r]);
    if (!applied) return applied.error();
    const std::string& peer = repair.replicas[r] == self ? repair.replicas[r == 0 ? 1 : 0] : repair.replicas[r];
    const StreamDirection direction =
        repair.replicas[r] == self ? StreamDirection::kReceiving : StreamDirection::kSending;
    node.streams().add_done({plan_id, peer, direction}, bytes, outgoing[r].size());
    totals.bytes_streamed += bytes;
    totals.rows_streamed += outgoing[r].size();
  }
  return ringcore::Ok{};
}

// Builds every replica's Merkle tree of `part` at once and syncs the leaf ranges where any
// differs from the first. Validating costs one scan of the part, on every replica in parallel,
// as Cassandra's validation does.
ringcore::Status compare_trees(Node& node, const std::string& plan_id, const RangeToRepair& repair,
                               const ringcore::TokenRange& part, std::uint64_t estimated_rows, RepairTotals& totals,
                               const JobHandle& job) {
  // The depth only sets how finely differences are found, so an estimate of the rows does (a
  // count would cost a scan of its own).
  const int depth = std::min(ringcore::merkle_depth_for(estimated_rows / kRowsPerLeaf + 1), kMaxRepairDepth);
  std::vector<std::future<ringcore::Result<ringcore::MerkleTree>>> building;
  for (const std::string& replica : repair.replicas) {
    building.push_back(std::async(std::launch::async, [&node, &repair, &replica, &part, depth] {
      return node.transport().build_tree(replica, repair.keyspace, part, depth);
    }));
  }
  std::vector<ringcore::MerkleTree> trees;
  std::optional<ringcore::Error> failure;
  for (auto& built : building) {
    auto tree = built.get();
    if (!tree && !failure) failure = tree.error();
    if (tree) trees.push_back(std::move(tree).value());
  }
  if (failure) return failure->with_context("validating " + repair.keyspace + " " + ringcore::format_range(part));
  hold_for_test(kHoldRepairValidating, job);
  // The leaf ranges where any replica differs from the first, adjacent ones merged.
  auto differing = ringcore::difference(trees.front(), std::span<const ringcore::MerkleTree>(trees).subspan(1));
  if (!differing) {
    return differing.error().with_context("comparing " + repair.keyspace + " " + ringcore::format_range(part));
  }
  for (const ringcore::TokenRange& range : *differing) {
    ++totals.ranges_differing;
    auto synced = sync_range(node, plan_id, repair, range, totals);
    if (!synced) return synced;
  }
  return ringcore::Ok{};
}

// kUnavailable naming the first replica of the range that is down.
ringcore::Status replicas_up(Node& node, const RangeToRepair& repair) {
  const auto view = node.gossip().view();
  for (const std::string& replica : repair.replicas) {
    const auto index = view->find(replica);
    if (!index || !view->is_up(*index)) {
      return ringcore::Error(ringcore::ErrorCode::kUnavailable, "replica " + replica + " of " + repair.keyspace + " " +
                                                                    ringcore::format_range(repair.range) + " is down");
    }
  }
  return ringcore::Ok{};
}

// Compares the range's segment digests (gather_digests) and, over each run of segments where
// any replica differs, the replicas' Merkle trees.
ringcore::Status repair_range(Node& node, const std::string& plan_id, const RangeToRepair& repair, RepairTotals& totals,
                              const JobHandle& job) {
  if (auto up = replicas_up(node, repair); !up) return up;
  const std::vector<Segment> segments = segments_of(repair.range);
  const std::vector<std::vector<SegmentDigest>>& digests = repair.digests;
  ++totals.ranges_checked;
  const auto differs = [&](std::size_t i) {
    return std::any_of(digests.begin() + 1, digests.end(),
                       [&](const std::vector<SegmentDigest>& other) { return other[i] != digests.front()[i]; });
  };
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!differs(i)) continue;
    std::size_t end = i;
    while (end + 1 < segments.size() && differs(end + 1)) ++end;
    const ringcore::TokenRange run{segments[i].range.left, segments[end].range.right};
    const auto rows = static_cast<std::uint64_t>(static_cast<long double>(repair.estimated_rows) * width_of(run) /
                                                 width_of(repair.range));
    if (auto compared = compare_trees(node, plan_id, repair, run, rows, totals, job); !compared) return compared;
    i = end;
  }
  return ringcore::Ok{};
}

// Fills every range's digests: the digests of its bucket segments, which the replicas keep as
// they write (merkle_buckets.h), so unchanged data costs no scan but of the two partial segments
// at each range's ends. One request per replica and keyspace for all its ranges, all at once.
ringcore::Status gather_digests(Node& node, std::vector<RangeToRepair>& ranges) {
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> asked;  // (replica, keyspace) -> ranges
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    ranges[i].digests.resize(ranges[i].replicas.size());
    for (const std::string& replica : ranges[i].replicas) asked[{replica, ranges[i].keyspace}].push_back(i);
  }
  std::vector<std::future<ringcore::Status>> asking;
  for (const auto& entry : asked) {  // not a structured binding: clang 14 cannot capture one
    asking.push_back(std::async(std::launch::async, [&node, &ranges, &entry]() -> ringcore::Status {
      const auto& [replica, keyspace] = entry.first;
      const std::vector<std::size_t>& indexes = entry.second;
      std::vector<ringcore::TokenRange> parts;
      for (std::size_t i : indexes) parts.push_back(ranges[i].range);
      auto answer = node.transport().range_digests(replica, keyspace, parts);
      if (!answer) return answer.error().with_context("validating " + keyspace + " on " + replica);
      for (std::size_t n = 0; n < indexes.size(); ++n) {
        RangeToRepair& range = ranges[indexes[n]];
        const auto r = std::find(range.replicas.begin(), range.replicas.end(), replica) - range.replicas.begin();
        range.digests[static_cast<std::size_t>(r)] = std::move((*answer)[n]);  // each slot written by one task
      }
      return ringcore::Ok{};
    }));
  }
  std::optional<ringcore::Error> failure;
  for (auto& asked_one : asking) {
    auto done = asked_one.get();
    if (!done && !failure) failure = done.error();
  }
  if (failure) return *failure;
  return ringcore::Ok{};
}

ringcore::Status run_repair(Node& node, const RepairRequest& request, JobHandle& job) {
  auto ranges = ranges_to_repair(node, request);  // filled with digests below, then read only
  if (!ranges) return ranges.error();
  job.set_total(ranges->size(), "ranges");
  const std::string plan_id = node.streams().begin_plan("Repair", job.id());
  for (const RangeToRepair& range : *ranges) {
    if (auto up = replicas_up(node, range); !up) {
      node.streams().end_plan(plan_id, false);
      return up;
    }
  }
  if (auto gathered = gather_digests(node, ranges.value()); !gathered) {
    node.streams().end_plan(plan_id, false);
    return gathered;
  }
  // Several ranges at once: a range whose digests differ waits on its replicas' trees in turn
  // (a request each, then the comparison), so one range alone leaves the cores idle between them.
  std::mutex mutex;
  std::size_t next = 0;                    // guarded by mutex
  RepairTotals totals;                     // guarded by mutex
  std::optional<ringcore::Error> failure;  // the first one; guarded by mutex
  auto work = [&] {
    for (;;) {
      const RangeToRepair* range = nullptr;
      {
        std::lock_guard lock(mutex);
        if (failure || next == ranges->size()) return;
        if (job.cancelled()) {
          failure = ringcore::Error::failed("cancelled: the node is stopping");
          return;
        }
        range = &(*ranges)[next++];
      }
      RepairTotals range_totals;
      auto repaired = repair_range(node, plan_id, *range, range_totals, job);
      std::lock_guard lock(mutex);
      if (!repaired) {
        if (!failure) failure = repaired.error();
        return;
      }
      totals.ranges_checked += range_totals.ranges_checked;
      totals.ranges_differing += range_totals.ranges_differing;
      totals.bytes_streamed += range_totals.bytes_streamed;
      totals.rows_streamed += range_totals.rows_streamed;
      job.add_done(1);
    }
  };
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < std::min(ranges->size(), kParallelRanges); ++i) workers.emplace_back(work);
  work();  // this thread is a worker too
  for (std::thread& worker : workers) worker.join();
  if (failure) {
    node.streams().end_plan(plan_id, false);
    return *failure;
  }
  node.streams().end_plan(plan_id, true);
  node.publish_load();
  job.set_result({{"ranges_checked", totals.ranges_checked},
                  {"ranges_differing", totals.ranges_differing},
                  {"bytes_streamed", totals.bytes_streamed},
                  {"rows_streamed", totals.rows_streamed}});
  return ringcore::Ok{};
}

}  // namespace

ringcore::Result<StartedJob> start_repair(Node& node, const RepairRequest& request) {
  nlohmann::json parameters = {{"primary_range", request.primary_range}};
  if (request.keyspace) parameters["keyspace"] = *request.keyspace;
  if (request.range) {
    parameters["start_token"] = ringcore::format_token(request.range->left);
    parameters["end_token"] = ringcore::format_token(request.range->right);
  }
  return node.jobs().start(
      "repair", parameters,
      [&node, request]() -> ringcore::Status {
        if (request.keyspace && node.schema().current().find(*request.keyspace) == nullptr) {
          return ringcore::Error::not_found("keyspace '" + *request.keyspace + "' does not exist");
        }
        return ringcore::Ok{};
      },
      [&node, request](JobHandle& job) { return run_repair(node, request, job); });
}

}  // namespace ringnode
