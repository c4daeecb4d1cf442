// ClusterTransport: how this node talks to the others (the client side of internode_api.h).
// Gossip messages and schema go over HTTP to a peer's storage_port; replica reads and writes
// go over HTTP too, except for this node's own replicas, which are read and written in the
// local storage directly. Every node of a cluster listens on the same storage_port.
//
// Thread-safety: all members may be called from any thread (each HTTP call has its own
// connection).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator.h"
#include "gossip_driver.h"
#include "ringnet/http_client.h"
#include "row_stream.h"
#include "schema.h"
#include "storage.h"

namespace ringnode {

class ClusterTransport final : public GossipTransport, public ReplicaTransport {
 public:
  ClusterTransport(std::string self, int storage_port, Storage& storage, std::chrono::milliseconds timeout);

  ringcore::Result<std::vector<gossip::GossipMessage>> exchange(const std::string& peer,
                                                                const gossip::GossipMessage& message) override;
  ringcore::Result<gossip::GossipDigestAck2> fetch_states(const std::string& peer) override;

  ringcore::Status write(const std::string& endpoint, const std::string& keyspace, const std::string& key,
                         const Cell& cell) override;
  // One write alone goes as write() does; more go in one POST /internal/rows/write_batch.
  std::vector<ringcore::Status> write_batch(const std::string& endpoint, const std::vector<RowWrite>& writes) override;
  ringcore::Result<std::optional<Cell>> read(const std::string& endpoint, const std::string& keyspace,
                                             const std::string& key) override;
  bool is_local(const std::string& endpoint) const override { return endpoint == self_; }

  // Streaming and repair, on `endpoint`'s storage (this node's directly): the size of a range,
  // a page of its rows, applying rows (repair), ingesting them (streaming), and a range's
  // Merkle tree (row_stream.h).
  ringcore::Result<RangeSize> range_size(const std::string& endpoint, const std::string& keyspace,
                                         const ringcore::TokenRange& range);
  ringcore::Result<RowPage> read_page(const std::string& endpoint, const std::string& keyspace,
                                      const ringcore::TokenRange& range, const std::optional<RowCursor>& after,
                                      std::uint64_t max_bytes);
  ringcore::Result<std::uint64_t> apply_rows(const std::string& endpoint, const std::string& keyspace,
                                             const std::vector<StoredRow>& rows);
  // Streaming's read: read_page's rows as they travel, not decoded (read_encoded_page).
  ringcore::Result<EncodedPage> read_encoded_page(const std::string& endpoint, const std::string& keyspace,
                                                  const ringcore::TokenRange& range,
                                                  const std::optional<RowCursor>& after, std::uint64_t max_bytes);
  // Streaming's write: a page of a range scan stored on `endpoint`, all or nothing, each row
  // where it wins under last-write-wins, not yet durable (Storage::ingest); the answer carries
  // the target storage's instance id.
  ringcore::Result<IngestedRows> ingest_page(const std::string& endpoint, const std::string& keyspace,
                                             const EncodedPage& page);
  // The end of streaming into `keyspace` on `endpoint`: every page ingested there before is
  // durable when this returns, if the instance id it returns is the one those pages' answers
  // carried (Storage::flush_streamed, POST /internal/stream/flush).
  ringcore::Result<std::string> flush_streamed(const std::string& endpoint, const std::string& keyspace);
  ringcore::Result<ringcore::MerkleTree> build_tree(const std::string& endpoint, const std::string& keyspace,
                                                    const ringcore::TokenRange& range, int depth);
  // The digests of segments_of(range) on `endpoint` for each of `ranges`, in their order
  // (Storage::range_digests), in one request.
  ringcore::Result<std::vector<std::vector<SegmentDigest>>> range_digests(
      const std::string& endpoint, const std::string& keyspace, const std::vector<ringcore::TokenRange>& ranges);

  // Streaming and repair calls to a peer give up once `down_reason(peer)` has named a reason
  // (the failure detector convicted it) for 3 s, rather than waiting out the 120 s stream
  // timeout: a stopped or cut-off peer answers nothing. Set once, before any such call.
  void give_up_on_down_peers(std::function<std::optional<std::string>(const std::string& peer)> down_reason);
  // The hints `peer` holds, by the endpoint they are for (GET /internal/hints).
  ringcore::Result<std::map<std::string, std::size_t>> pending_hints(const std::string& peer);

  // The peer's schema (GET /internal/schema).
  ringcore::Result<Schema> fetch_schema(const std::string& peer);
  // Hands our schema to the peer, which merges it (POST /internal/schema).
  ringcore::Status push_schema(const std::string& peer, const Schema& schema);

 private:
  // A client for `peer`'s storage port that connects from this node's own address.
  ringnet::HttpClient client_for(const std::string& peer, std::chrono::milliseconds timeout) const;
  // The same for streaming and repair: the stream timeout, given up when the peer is down.
  ringnet::HttpClient stream_client_for(const std::string& peer) const;

  std::string self_;
  int storage_port_;
  Storage& storage_;
  std::chrono::milliseconds timeout_;
  std::function<std::optional<std::string>(const std::string&)> down_reason_;
};

}  // namespace ringnode
