// ClusterTransport: how this node talks to the others (the client side of internode_api.h).
// Gossip messages and schema go over HTTP to a peer's storage_port; replica reads and writes
// go over HTTP too, except for this node's own replicas, which are read and written in the
// local storage directly. Every node of a cluster listens on the same storage_port.
//
// Thread-safety: all members may be called from any thread (each HTTP call has its own
// connection).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "coordinator.h"
#include "gossip_driver.h"
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
  ringcore::Result<std::optional<Cell>> read(const std::string& endpoint, const std::string& keyspace,
                                             const std::string& key) override;

  // The peer's schema (GET /internal/schema).
  ringcore::Result<Schema> fetch_schema(const std::string& peer);
  // Hands our schema to the peer, which merges it (POST /internal/schema).
  ringcore::Status push_schema(const std::string& peer, const Schema& schema);

 private:
  std::string self_;
  int storage_port_;
  Storage& storage_;
  std::chrono::milliseconds timeout_;
};

}  // namespace ringnode
