#include "range_streamer.h"

#include <algorithm>
#include <future>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "ringruntime/log.h"
#include "row_stream.h"

namespace ringnode {
namespace {

// A file holds up to a page's bytes: large enough that a file's fixed costs (its syncs, linking
// it in) are small against its bytes, small enough to hold in memory a few at a time. Under a
// throughput limit it is a quarter second's worth, so the limit is kept smoothly, a change of
// it is felt within a page, and progress shows as often as it did with a file per page.
constexpr std::uint64_t kMaxPageBytes = 16 * 1024 * 1024;
constexpr std::uint64_t kMinPageBytes = 256 * 1024;

std::uint64_t page_bytes(double mib_per_second) {
  if (mib_per_second <= 0) return kMaxPageBytes;
  const auto quarter_second = static_cast<std::uint64_t>(mib_per_second * 1024 * 1024 / 4);
  return std::clamp(quarter_second, kMinPageBytes, kMaxPageBytes);
}

std::string describe(const RangeTransfer& transfer) {
  return transfer.keyspace + " " + ringcore::format_range(transfer.range) + " from " + transfer.source + " to " +
         transfer.target;
}

// Whether `next` may follow the group's ranges (sorted by left, the wrapping one last) without
// any of its rows coming before the group's last row: it starts where the last range ends or
// later, and if it wraps, its part past the end of the ring ends before the group's first range.
bool follows(const TransferGroup& group, const ringcore::TokenRange& next) {
  const ringcore::TokenRange& last = group.back()->range;
  if (last.wraps() || next.is_full_ring() || next.left < last.right) return false;
  return !next.wraps() || next.right <= group.front()->range.left;
}

// The groups reordered so that consecutive ones involve different peers (round robin over the
// peer each exchanges with): workers taking them in turn stream from several at once.
std::vector<const TransferGroup*> interleaved_by_peer(const std::string& self, const std::vector<TransferGroup>& groups) {
  std::map<std::string, std::vector<const TransferGroup*>> by_peer;
  for (const TransferGroup& group : groups) {
    const RangeTransfer& transfer = *group.front();
    by_peer[transfer.source != self ? transfer.source : transfer.target].push_back(&group);
  }
  std::vector<const TransferGroup*> order;
  for (std::size_t round = 0; order.size() < groups.size(); ++round) {
    for (const auto& [peer, queue] : by_peer) {
      if (round < queue.size()) order.push_back(queue[round]);
    }
  }
  return order;
}

}  // namespace

std::vector<TransferGroup> group_transfers(const std::vector<RangeTransfer>& transfers) {
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> index;  // (source, target, keyspace)
  std::vector<TransferGroup> candidates;
  for (const RangeTransfer& transfer : transfers) {
    const auto [at, added] =
        index.try_emplace({transfer.source, transfer.target, transfer.keyspace}, candidates.size());
    if (added) candidates.emplace_back();
    candidates[at->second].push_back(&transfer);
  }
  std::vector<TransferGroup> groups;
  for (TransferGroup& candidate : candidates) {
    std::stable_sort(candidate.begin(), candidate.end(), [](const RangeTransfer* a, const RangeTransfer* b) {
      return std::pair(a->range.wraps(), a->range.left) < std::pair(b->range.wraps(), b->range.left);
    });
    TransferGroup group;
    for (const RangeTransfer* transfer : candidate) {
      if (group.empty() || follows(group, transfer->range)) {
        group.push_back(transfer);
      } else {
        groups.push_back({transfer});
      }
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<SessionKey> RangeStreamer::sessions_for(const std::string& plan_id, const RangeTransfer& transfer) const {
  std::vector<SessionKey> keys;
  if (transfer.source != self_) keys.push_back({plan_id, transfer.source, StreamDirection::kReceiving});
  if (transfer.target != self_) keys.push_back({plan_id, transfer.target, StreamDirection::kSending});
  return keys;
}

ringcore::Result<StreamTotals> RangeStreamer::stream(const std::string& description,
                                                     const std::vector<RangeTransfer>& transfers, JobHandle& job) {
  const std::string plan_id = streams_.begin_plan(description, job.id());
  std::uint64_t total = 0;
  for (const RangeTransfer& transfer : transfers) {
    auto size = transport_.range_size(transfer.source, transfer.keyspace, transfer.range);
    if (!size) {
      streams_.end_plan(plan_id, false);
      return size.error().with_context("sizing " + describe(transfer));
    }
    total += size->bytes;
    for (const SessionKey& key : sessions_for(plan_id, transfer)) streams_.add_total(key, size->bytes, 1);
  }
  job.set_total(total, "bytes");

  const auto started = std::chrono::steady_clock::now();
  const std::vector<TransferGroup> groups = group_transfers(transfers);
  const std::vector<const TransferGroup*> order = interleaved_by_peer(self_, groups);
  std::mutex mutex;
  std::size_t next = 0;                    // guarded by mutex
  StreamTotals totals;                     // guarded by mutex
  std::optional<ringcore::Error> failure;  // the first one; guarded by mutex
  std::atomic<bool> stop = false;
  auto work = [&] {
    for (;;) {
      const TransferGroup* group = nullptr;
      {
        std::lock_guard lock(mutex);
        if (failure || next == order.size()) return;
        group = order[next++];
      }
      auto done = this->transfer(plan_id, *group, job, stop);
      std::lock_guard lock(mutex);
      if (!done) {
        if (!failure) failure = done.error();
        stop = true;
        return;
      }
      totals.bytes += done->bytes;
      totals.rows += done->rows;
      totals.files += done->files;
      totals.ranges += done->ranges;
    }
  };
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < std::min(groups.size(), kMaxParallelTransfers); ++i) workers.emplace_back(work);
  work();  // this thread is a worker too
  for (std::thread& worker : workers) worker.join();
  totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (failure) {
    streams_.end_plan(plan_id, false);
    return *failure;
  }
  streams_.end_plan(plan_id, true);
  ringruntime::log_info(description + ": streamed " + std::to_string(totals.rows) + " rows, " +
                        std::to_string(totals.bytes) + " bytes in " + std::to_string(totals.ranges) +
                        " range transfers, " + std::to_string(totals.files) + " files, " +
                        std::to_string(totals.seconds) + " s");
  return totals;
}

std::vector<GroupSegment> key_ordered_segments(const TransferGroup& group) {
  std::vector<GroupSegment> segments;
  const std::size_t last = group.size() - 1;
  const ringcore::TokenRange& wrapping = group[last]->range;
  if (wrapping.wraps()) segments.push_back({{ringcore::kMaxToken, wrapping.right}, last});  // [min, right]
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!group[i]->range.wraps()) segments.push_back({group[i]->range, i});
  }
  if (wrapping.wraps() && wrapping.left != ringcore::kMaxToken)
    segments.push_back({{wrapping.left, ringcore::kMaxToken}, last});  // (left, max]
  return segments;
}

ringcore::Result<StreamTotals> RangeStreamer::transfer(const std::string& plan_id, const TransferGroup& group,
                                                       JobHandle& job, const std::atomic<bool>& stop) {
  const RangeTransfer& first = *group.front();
  const std::vector<SessionKey> sessions = sessions_for(plan_id, first);
  const std::vector<GroupSegment> segments = key_ordered_segments(group);
  std::vector<std::size_t> segments_left(group.size(), 0);  // per transfer: its segments not stored yet
  for (const GroupSegment& segment : segments) ++segments_left[segment.transfer];
  StreamTotals totals;
  // The next file is read while the current one is stored: the source scans as the target
  // links in, as pages overlapped when every range was a file of its own.
  std::size_t next = 0;  // segments[0, next) are read whole
  auto read_next = [&](std::string after_key) {
    std::vector<ringcore::TokenRange> rest;
    for (std::size_t i = next; i < segments.size(); ++i) rest.push_back(segments[i].range);
    const std::uint64_t max_bytes = page_bytes(streams_.throughput());
    return std::async(std::launch::async, [this, &first, rest = std::move(rest), after_key = std::move(after_key),
                                           max_bytes] {
      return transport_.export_file(first.source, first.keyspace, rest, after_key, max_bytes);
    });
  };
  std::future<ringcore::Result<ExportedFile>> reading = read_next("");
  while (reading.valid()) {
    const RangeTransfer& current = *group[segments[next].transfer];
    auto exported = reading.get();
    if (!exported) return exported.error().with_context("reading " + describe(current));
    ExportedFile& file = exported.value();
    if (file.rows == 0 && file.segments_done == 0) {
      return ringcore::Error::failed("reading " + describe(current) + ": the source sent neither rows nor an end");
    }
    const std::size_t read_from = next;
    next = std::min(next + file.segments_done, segments.size());
    if (job.cancelled()) return ringcore::Error::failed("cancelled: the node is stopping");
    if (stop) return ringcore::Error::failed("stopped: another transfer of the plan failed");
    if (next < segments.size()) reading = read_next(file.last_key);
    if (file.rows > 0) {
      streams_.throttle(file.bytes);
      auto ingested = transport_.ingest_file(first.target, first.keyspace, std::move(file.sst));
      if (!ingested) {
        if (reading.valid()) reading.wait();  // its lambda refers to this frame
        return ingested.error().with_context("writing " + describe(current));
      }
      for (const SessionKey& key : sessions) streams_.add_done(key, file.bytes, file.rows);
      job.add_done(file.bytes);
      totals.bytes += file.bytes;
      totals.rows += file.rows;
      totals.files += 1;
    }
    for (std::size_t i = read_from; i < next; ++i) {
      if (--segments_left[segments[i].transfer] > 0) continue;
      for (const SessionKey& key : sessions) streams_.range_done(key);
      ++totals.ranges;
    }
  }
  return totals;
}

}  // namespace ringnode
