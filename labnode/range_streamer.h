// RangeStreamer: moves rows between nodes for an operation (bootstrap, decommission,
// removenode). Each transfer copies one keyspace range from a source to a target through this
// node: pages are read from the source (this node's storage, or a peer's over
// /internal/stream/page) and stored on the target as SST files (Storage::ingest: linked in
// whole, merged by last-write-wins, so a row written meanwhile by a client is never replaced by
// an older streamed copy, and streaming a range twice is harmless: a failed operation can be
// run again).
//
// The transfers between the same source and target of the same keyspace stream as one group
// (group_transfers): their ranges in ring order, so the rows read one range after another stay
// in (token, key) order and a file fills across ranges. A file costs the target about five
// synced writes (the file, its link, the directory, the manifest) whatever its size, and a
// range on a vnode ring holds a fraction of a file's worth: a file per range made those syncs
// most of a bootstrap's streaming time.
//
// stream() first asks each source how many bytes it will send, so the job's progress has an
// exact total, then streams the groups, several at once (up to kMaxParallelTransfers workers,
// groups of different peers taken in turn: several sources send in parallel), every page under
// the StreamManager's one throughput limit.
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
  std::uint64_t files = 0;   // SST files ingested
  double seconds = 0;        // the streaming phase: from the first page read to the last ingested
};

inline constexpr std::size_t kMaxParallelTransfers = 4;

// Transfers that stream as one: the same source, target and keyspace, ordered so that their
// ranges' rows, read in turn, come in (token, key) order with at most one wrap past the end of
// the ring (the wrapping range last), as Storage::ingest takes a file's rows.
using TransferGroup = std::vector<const RangeTransfer*>;

// `transfers` grouped as above, groups in order of first appearance. Ranges of a group that
// would overlap (a plan never makes them) are put in groups of their own, so that no file ever
// holds a key twice. Every transfer is in exactly one group.
std::vector<TransferGroup> group_transfers(const std::vector<RangeTransfer>& transfers);

// A piece of a group's range in key order: `range` is a range that does not wrap, or
// (kMaxToken, t], the tokens from the ring's first to t (Storage::export_file's segments).
struct GroupSegment {
  ringcore::TokenRange range;
  std::size_t transfer = 0;  // the index in the group of the transfer it belongs to
};

// The group's ranges as segments in increasing key order: the wrapping range's part from the
// ring's start first, its part up to the ring's end last. REQUIRES: a group_transfers() group.
std::vector<GroupSegment> key_ordered_segments(const TransferGroup& group);

class RangeStreamer {
 public:
  RangeStreamer(std::string self, ClusterTransport& transport, StreamManager& streams)
      : self_(std::move(self)), transport_(transport), streams_(streams) {}

  // Streams every transfer as one stream plan named `description` (Cassandra's: "Bootstrap",
  // "Unbootstrap", ...). Fails at the first transfer that fails, naming it; the plan shows as
  // failed. Gives up (kFailed) when the job is cancelled.
  ringcore::Result<StreamTotals> stream(const std::string& description, const std::vector<RangeTransfer>& transfers,
                                        JobHandle& job);

  // Copies the group's rows from its source to its target into the sessions of `plan_id`, as
  // SST files the source writes (up to 16 MiB each, a quarter second's worth under a limit) and
  // the target links in, counting a range done once its last row is stored; stops (kFailed) at
  // the next file once `stop` is set (another group failed).
  ringcore::Result<StreamTotals> transfer(const std::string& plan_id, const TransferGroup& group, JobHandle& job,
                                          const std::atomic<bool>& stop);

 private:
  std::vector<SessionKey> sessions_for(const std::string& plan_id, const RangeTransfer& transfer) const;

  std::string self_;
  ClusterTransport& transport_;
  StreamManager& streams_;
};

}  // namespace ringnode
