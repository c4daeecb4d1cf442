// RangeStreamer: moves rows between nodes for an operation (bootstrap, decommission,
// removenode). Each transfer copies one keyspace range from a source to a target, page by
// page, through this node: a page is read from the source (this node's storage, or a peer's
// over /internal/stream/page) and stored on the target as one SST file (Storage::ingest:
// linked in whole, merged by last-write-wins, so a row written meanwhile by a client is never
// replaced by an older streamed copy, and streaming a range twice is harmless: a failed
// operation can be run again).
//
// stream() first asks each source how many bytes it will send, so the job's progress has an
// exact total, then streams the transfers, several at once (one worker per peer, up to
// kMaxParallelTransfers: several sources send in parallel), every page under the
// StreamManager's one throughput limit.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "internode_client.h"
#include "job_registry.h"
#include "ringcore/error.h"
#include "ringcore/token.h"
#include "stream_manager.h"

namespace ringnode {

struct RangeTransfer {
  std::string keyspace;
  ringcore::TokenRange range;
  std::string source;
  std::string target;
};

struct StreamTotals {
  std::uint64_t bytes = 0;  // row_bytes of the rows sent
  std::uint64_t rows = 0;
  std::uint64_t ranges = 0;  // transfers done
  std::uint64_t files = 0;   // SST files ingested (a page each)
  double seconds = 0;        // the streaming phase: from the first page read to the last ingested
};

inline constexpr std::size_t kMaxParallelTransfers = 4;

class RangeStreamer {
 public:
  RangeStreamer(std::string self, ClusterTransport& transport, StreamManager& streams)
      : self_(std::move(self)), transport_(transport), streams_(streams) {}

  // Streams every transfer as one stream plan named `description` (Cassandra's: "Bootstrap",
  // "Unbootstrap", ...). Fails at the first transfer that fails, naming it; the plan shows as
  // failed. Gives up (kFailed) when the job is cancelled.
  ringcore::Result<StreamTotals> stream(const std::string& description, const std::vector<RangeTransfer>& transfers,
                                        JobHandle& job);

  // Copies one range's rows from `source` to `target` into the sessions of `plan_id`; stops
  // (kFailed) at the next page once `stop` is set (another transfer failed).
  ringcore::Result<StreamTotals> transfer(const std::string& plan_id, const RangeTransfer& transfer, JobHandle& job,
                                          const std::atomic<bool>& stop);

 private:
  std::vector<SessionKey> sessions_for(const std::string& plan_id, const RangeTransfer& transfer) const;

  std::string self_;
  ClusterTransport& transport_;
  StreamManager& streams_;
};

}  // namespace ringnode
