#include "range_streamer.h"

#include "ringruntime/log.h"
#include "row_stream.h"

namespace ringnode {
namespace {

constexpr std::uint64_t kPageBytes = 256 * 1024;

std::string describe(const RangeTransfer& transfer) {
  return transfer.keyspace + " " + ringcore::format_range(transfer.range) + " from " + transfer.source + " to " +
         transfer.target;
}

}  // namespace

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
  StreamTotals totals;
  for (const RangeTransfer& transfer : transfers) {
    auto done = this->transfer(plan_id, transfer, job);
    if (!done) {
      streams_.end_plan(plan_id, false);
      return done.error();
    }
    totals.bytes += done->bytes;
    totals.rows += done->rows;
    totals.ranges += 1;
    for (const SessionKey& key : sessions_for(plan_id, transfer)) streams_.range_done(key);
  }
  streams_.end_plan(plan_id, true);
  ringruntime::log_info(description + ": streamed " + std::to_string(totals.rows) + " rows, " + std::to_string(totals.bytes) +
           " bytes in " + std::to_string(totals.ranges) + " range transfers");
  return totals;
}

ringcore::Result<StreamTotals> RangeStreamer::transfer(const std::string& plan_id, const RangeTransfer& transfer,
                                                       JobHandle& job) {
  StreamTotals totals;
  for (const ringcore::TokenRange& part : split_whole_ring(transfer.range)) {
    std::optional<RowCursor> after;
    while (true) {
      if (job.cancelled()) return ringcore::Error::failed("cancelled: the node is stopping");
      auto page = transport_.read_page(transfer.source, transfer.keyspace, part, after, kPageBytes);
      if (!page) return page.error().with_context("reading " + describe(transfer));
      if (!page->rows.empty()) {
        std::uint64_t bytes = 0;
        for (const StoredRow& row : page->rows) bytes += row_bytes(row.key, row.cell);
        streams_.throttle(bytes);
        auto applied = transport_.apply_rows(transfer.target, transfer.keyspace, page->rows);
        if (!applied) return applied.error().with_context("writing " + describe(transfer));
        for (const SessionKey& key : sessions_for(plan_id, transfer)) streams_.add_done(key, bytes, page->rows.size());
        job.add_done(bytes);
        totals.bytes += bytes;
        totals.rows += page->rows.size();
        after = RowCursor{page->rows.back().token, page->rows.back().key};
      }
      if (page->last) break;
    }
  }
  return totals;
}

}  // namespace ringnode
