// The Cassandra backend's translation of MBeans into ringd's documents (docs/api.md), as pure
// functions: which attributes and operations one collection reads (as Jolokia requests), and
// the node, cluster, gossip and streams documents built from the replies. Tested with Jolokia
// answers recorded from Cassandra 5.0 (tests/agent/fixtures/cassandra/).
//
// Names: the *WithPort attributes of Cassandra 4.0, 4.1 and 5.0 are read; an older spelling is
// read beside a newer one where the versions differ, and the first that answers is used.
// A reply that failed is simply absent from MBeanValues; a document that needs it is an error
// naming the MBean and attribute (kFailed).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jolokia_client.h"
#include "ringcore/error.h"

namespace ringd {

// One read of a collection: `key` names the reply in MBeanValues.
struct MBeanRead {
  std::string key;
  nlohmann::json request;  // jolokia_read / jolokia_exec
};
// Values of the reads that answered, by key.
using MBeanValues = std::map<std::string, nlohmann::json>;

// Pairs `reads` with the `replies` of their bulk request (same order): the values that answered.
MBeanValues values_of(const std::vector<MBeanRead>& reads, const std::vector<JolokiaReply>& replies);
std::vector<nlohmann::json> requests_of(const std::vector<MBeanRead>& reads);

// An endpoint as Cassandra names it ("/127.0.0.1:7000", "host/10.0.0.1:7000", "[::1]:7000",
// "10.0.0.1") split into the address without the port, and the port (nullopt when absent).
struct EndpointName {
  std::string address;
  std::optional<int> port;
};
EndpointName parse_endpoint_name(const std::string& text);

// nodetool gossipinfo's text (FailureDetector AllEndpointStatesWithPort) as gossip endpoints
// {"address", "generation", "heartbeat", "states": [{"name", "version", "value"}]} in the
// text's order; "status" is left for the caller (it comes from the failure detector).
nlohmann::json parse_endpoint_states(const std::string& text);

// A keyspace's replication as StorageService getKeyspaceReplicationInfo prints it
// ("SimpleStrategy {replication_factor=3}", "NetworkTopologyStrategy {dc1=3, dc2=1}",
// "LocalStrategy {}") as the snapshot's map {"class": ..., "replication_factor"|dc: "N"}; the
// class without its package. nullopt for text of another form.
std::optional<nlohmann::json> parse_replication_info(const std::string& text);

// ---- one collection: the reads, then the documents ----

// The first bulk request: node facts, ring membership, gossip, streams and metrics.
std::vector<MBeanRead> collection_reads();
// The second: each keyspace's replication (the names come from the first).
std::vector<MBeanRead> replication_reads(const MBeanValues& collection);

// Disk figures ringd measures itself beside the node (the data directories' file system).
struct DiskFigures {
  std::optional<std::uint64_t> total_bytes;
  std::optional<std::uint64_t> free_bytes;
};
// The data directories the node reports (StorageService AllDataFileLocations).
std::vector<std::string> data_directories(const MBeanValues& collection);

ringcore::Result<nlohmann::json> node_document(const MBeanValues& collection, const DiskFigures& disk);
ringcore::Result<nlohmann::json> cluster_document(const MBeanValues& collection, const MBeanValues& replication);
ringcore::Result<nlohmann::json> gossip_document(const MBeanValues& collection);
ringcore::Result<nlohmann::json> streams_document(const MBeanValues& collection);

// ---- a decommission's progress ----

// The read of StreamManager CurrentStreams alone, polled while a decommission runs.
nlohmann::json current_streams_request();
// What the node's sending sessions of the plans described `description` (a decommission's
// "Unbootstrap") have sent and have to send, from CurrentStreams' value, by "PLAN_ID PEER".
struct StreamTotals {
  std::int64_t done_bytes = 0;
  std::int64_t total_bytes = 0;
};
std::map<std::string, StreamTotals> sending_sessions(const nlohmann::json& current_streams,
                                                     const std::string& description);

// A decommission's streams as a whole, from one CurrentStreams read after another: a session
// that is no longer listed has finished (Cassandra drops it), and counts as sent in full.
class SendingProgress {
 public:
  void observe(const std::map<std::string, StreamTotals>& sessions);
  // Every session seen: its bytes sent (all of them once it finished) and to send.
  StreamTotals totals() const;
  // As totals(), every session finished: what the decommission streamed.
  std::int64_t finished_bytes() const;

 private:
  std::map<std::string, StreamTotals> seen_;
};

}  // namespace ringd
