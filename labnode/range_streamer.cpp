#include "range_streamer.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "ringruntime/log.h"
#include "ringruntime/wait.h"
#include "row_stream.h"
#include "test_hold.h"

namespace ringnode {
namespace {

// A page is one synced write on the target: large enough that its fixed costs (a request, a
// sync of the log) are small against its bytes, small enough to hold in memory a few at a time.
// Under a throughput limit a page is a quarter second's worth, so the limit is kept smoothly
// and a change of it is felt within a page.
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

// The transfers reordered so that consecutive ones involve different peers (round robin over
// the peer each exchanges with): workers taking them in turn stream from several at once.
std::vector<const RangeTransfer*> interleaved_by_peer(const std::string& self,
                                                      const std::vector<RangeTransfer>& transfers) {
  std::map<std::string, std::vector<const RangeTransfer*>> by_peer;
  for (const RangeTransfer& transfer : transfers) {
    by_peer[transfer.source != self ? transfer.source : transfer.target].push_back(&transfer);
  }
  std::vector<const RangeTransfer*> order;
  for (std::size_t round = 0; order.size() < transfers.size(); ++round) {
    for (const auto& [peer, queue] : by_peer) {
      if (round < queue.size()) order.push_back(queue[round]);
    }
  }
  return order;
}

}  // namespace

bool is_transient(const ringcore::Error& error) {
  switch (error.code()) {
    case ringcore::ErrorCode::kUnavailable:
    case ringcore::ErrorCode::kTimedOut:
    case ringcore::ErrorCode::kRequestUnread:
      return true;
    default:
      return false;
  }
}

template <class Request>
auto RangeStreamer::with_retries(const std::string& what, JobHandle& job, const std::atomic<bool>& stop,
                                 std::uint64_t& retries, Request request) -> decltype(request()) {
  std::chrono::milliseconds backoff = retry_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    auto answer = request();
    if (answer || attempt >= retry_.attempts || !is_transient(answer.error())) return answer;
    ringruntime::log_warn(what + ": attempt " + std::to_string(attempt) + " of " + std::to_string(retry_.attempts) +
                          " failed, retrying in " + std::to_string(backoff.count()) +
                          " ms: " + answer.error().message());
    // The wait ends early when the job is cancelled or another transfer failed; the caller sees
    // that at its next check, with this failure as the request's answer.
    if (ringruntime::wait_until([&] { return job.cancelled() || stop.load(); }, backoff, std::chrono::milliseconds(50),
                                retry_.clock))
      return answer;
    ++retries;
    backoff = std::min(backoff * 2, retry_.max_backoff);
  }
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
  std::vector<std::uint64_t> sizes;
  std::uint64_t sizing_retries = 0;
  const std::atomic<bool> never = false;
  for (const RangeTransfer& transfer : transfers) {
    auto size = with_retries("sizing " + describe(transfer), job, never, sizing_retries,
                             [&] { return transport_.range_size(transfer.source, transfer.keyspace, transfer.range); });
    if (!size) {
      streams_.end_plan(plan_id, false);
      return size.error().with_context("sizing " + describe(transfer));
    }
    total += size->bytes;
    sizes.push_back(size->bytes);
    for (const SessionKey& key : sessions_for(plan_id, transfer)) streams_.add_total(key, size->bytes, 1);
  }
  job.set_total(total, "bytes");

  const auto started = std::chrono::steady_clock::now();
  StreamTotals totals;
  totals.retries = sizing_retries;
  std::vector<const RangeTransfer*> pending = interleaved_by_peer(self_, transfers);
  ringcore::Status streamed = ringcore::Ok{};
  for (int round = 1; streamed && !pending.empty(); ++round) {
    TargetInstances instances;
    streamed = stream_pages(plan_id, pending, job, totals, instances);
    if (!streamed) break;
    hold_for_test(kHoldStreamUnflushed, job);
    auto lost = flush_targets(instances, job, totals.retries);
    if (!lost) {
      streamed = lost.error();
      break;
    }
    std::vector<const RangeTransfer*> again;
    for (const RangeTransfer* transfer : pending) {
      if (lost->contains({transfer->target, transfer->keyspace})) {
        again.push_back(transfer);
        continue;
      }
      for (const SessionKey& key : sessions_for(plan_id, *transfer)) streams_.range_done(key);
      totals.ranges += 1;
    }
    if (!again.empty() && round == kMaxStreamRounds) {
      streamed = ringcore::Error(ringcore::ErrorCode::kUnavailable,
                                 lost->begin()->second + " in each of " + std::to_string(kMaxStreamRounds) +
                                     " attempts at streaming to it; run the operation again");
      break;
    }
    for (const RangeTransfer* transfer : again) {
      ringruntime::log_warn(description + ": streaming " + describe(*transfer) +
                            " again: " + lost->at({transfer->target, transfer->keyspace}));
      const std::uint64_t size = sizes[static_cast<std::size_t>(transfer - transfers.data())];
      total += size;
      for (const SessionKey& key : sessions_for(plan_id, *transfer)) streams_.add_total(key, size, 0);
    }
    job.set_total(total, "bytes");
    pending = std::move(again);
  }
  totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!streamed) {
    streams_.end_plan(plan_id, false);
    return streamed.error();
  }
  streams_.end_plan(plan_id, true);
  ringruntime::log_info(description + ": streamed " + std::to_string(totals.rows) + " rows, " +
                        std::to_string(totals.bytes) + " bytes in " + std::to_string(totals.ranges) +
                        " range transfers, " + std::to_string(totals.files) + " pages, " +
                        std::to_string(totals.seconds) + " s, " + std::to_string(totals.retries) + " requests retried");
  return totals;
}

ringcore::Status RangeStreamer::stream_pages(const std::string& plan_id,
                                             const std::vector<const RangeTransfer*>& transfers, JobHandle& job,
                                             StreamTotals& totals, TargetInstances& instances) {
  std::mutex mutex;
  std::size_t next = 0;                    // guarded by mutex; so are totals and instances
  std::optional<ringcore::Error> failure;  // the first one; guarded by mutex
  std::atomic<bool> stop = false;
  auto work = [&] {
    for (;;) {
      const RangeTransfer* transfer = nullptr;
      {
        std::lock_guard lock(mutex);
        if (failure || next == transfers.size()) return;
        transfer = transfers[next++];
      }
      std::uint64_t retries = 0;
      std::set<std::string> seen;
      auto done = this->transfer(plan_id, *transfer, job, stop, retries, seen);
      std::lock_guard lock(mutex);
      totals.retries += retries;
      instances[{transfer->target, transfer->keyspace}].insert(seen.begin(), seen.end());
      if (!done) {
        if (!failure) failure = done.error();
        stop = true;
        return;
      }
      totals.bytes += done->bytes;
      totals.rows += done->rows;
      totals.files += done->files;
    }
  };
  std::set<std::string> peers;
  for (const RangeTransfer* transfer : transfers)
    peers.insert(transfer->source != self_ ? transfer->source : transfer->target);
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < std::min(peers.size(), kMaxParallelTransfers); ++i) workers.emplace_back(work);
  work();  // this thread is a worker too
  for (std::thread& worker : workers) worker.join();
  if (failure) return *failure;
  return ringcore::Ok{};
}

ringcore::Result<std::map<std::pair<std::string, std::string>, std::string>> RangeStreamer::flush_targets(
    const TargetInstances& instances, JobHandle& job, std::uint64_t& retries) {
  std::map<std::pair<std::string, std::string>, std::string> lost;
  const std::atomic<bool> never = false;
  for (const auto& [target_keyspace, seen] : instances) {
    if (seen.empty()) continue;  // no page went there: nothing to make durable
    const std::string& target = target_keyspace.first;
    const std::string& keyspace = target_keyspace.second;
    const std::string what = "flushing the rows streamed into " + keyspace + " on " + target;
    auto flushed = with_retries(what, job, never, retries, [&] { return transport_.flush_streamed(target, keyspace); });
    if (!flushed) return flushed.error().with_context(what);
    if (seen.size() == 1 && *seen.begin() == *flushed) continue;
    std::string ids;
    for (const std::string& id : seen) ids += (ids.empty() ? "" : ", ") + id;
    lost[target_keyspace] = target + " restarted during the stream and lost the rows it had not flushed (its storage " +
                            "instance was " + ids + " for the pages of " + keyspace + ", " + *flushed +
                            " at the flush)";
  }
  return lost;
}

ringcore::Result<StreamTotals> RangeStreamer::transfer(const std::string& plan_id, const RangeTransfer& transfer,
                                                       JobHandle& job, const std::atomic<bool>& stop,
                                                       std::uint64_t& retries, std::set<std::string>& instances) {
  StreamTotals totals;
  for (const ringcore::TokenRange& part : split_whole_ring(transfer.range)) {
    std::optional<RowCursor> after;
    while (true) {
      if (job.cancelled()) return ringcore::Error::failed("cancelled: the node is stopping");
      if (stop) return ringcore::Error::failed("stopped: another transfer of the plan failed");
      auto page = with_retries("reading " + describe(transfer), job, stop, retries, [&] {
        return transport_.read_encoded_page(transfer.source, transfer.keyspace, part, after,
                                            page_bytes(streams_.throughput()));
      });
      if (!page) return page.error().with_context("reading " + describe(transfer));
      if (page->rows > 0) {
        streams_.throttle(page->bytes);
        auto ingested = with_retries("writing " + describe(transfer), job, stop, retries,
                                     [&] { return transport_.ingest_page(transfer.target, transfer.keyspace, *page); });
        if (!ingested) return ingested.error().with_context("writing " + describe(transfer));
        instances.insert(ingested->instance);
        for (const SessionKey& key : sessions_for(plan_id, transfer)) streams_.add_done(key, page->bytes, page->rows);
        job.add_done(page->bytes);
        totals.bytes += page->bytes;
        totals.rows += page->rows;
        totals.files += 1;
        after = page->end;
      }
      if (page->last) break;
    }
  }
  return totals;
}

}  // namespace ringnode
