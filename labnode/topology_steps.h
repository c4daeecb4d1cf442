// Steps the topology operations share (bootstrap, decommission, removenode).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "job_registry.h"

#include "range_streamer.h"
#include "ringcore/error.h"
#include "ringcore/movement.h"
#include "ringcore/snapshot.h"
#include "ringruntime/wait.h"

namespace ringnode {

class Node;

// How long peers get to learn a STATUS change before an operation gives up.
inline constexpr std::chrono::seconds kStatusPropagationTimeout(60);

// The fixed waits of a topology operation, each as long as Cassandra's reason for it
// (justified where each is taken), timed so a job's result reports them apart from streaming:
// {"peers_up_seconds", "announce_seconds", "schema_seconds", "inflight_writes_seconds", "source_hints_seconds",
// "left_announce_seconds"}, those the operation took.
class FixedWaits {
 public:
  // Runs `wait` and records how long it took under `name` ("announce" -> "announce_seconds").
  template <class Wait>
  auto timed(const std::string& name, Wait wait) {
    struct Record {
      nlohmann::json& seconds;
      std::string key;
      std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
      ~Record() { seconds[key] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); }
    } record{seconds_, name + "_seconds"};
    return wait();
  }
  const nlohmann::json& to_json() const { return seconds_; }

 private:
  nlohmann::json seconds_ = nlohmann::json::object();
};

// Once every peer has seen a change, writes they coordinated before may still be in flight to
// the old replicas only; they land or time out within the write timeout. Waiting that long
// before streaming means the streamed ranges include them. Cassandra's bootstrap sleeps
// RING_DELAY (30 s) for the same reason and for gossip to spread; ringnode instead asks every
// peer whether it has seen the status (announce), so only the write timeout remains: 2 s,
// Cassandra's write_request_timeout default and the coordinator's.
inline constexpr std::chrono::seconds kInflightWriteTimeout(2);
void wait_for_inflight_writes();
// The same on `clock` (tests pass a fake one). A name of its own: the operations pass
// wait_for_inflight_writes itself to FixedWaits::timed.
void wait_for_inflight_writes_on(const ringruntime::WaitClock& clock);

// Waits until this node's gossip shows every other node of its view up. A bootstrapping node
// learns the ring from a seed before its own gossip has heard from each peer: until then the
// announce and schema waits below, which ask only the peers seen up, pass without asking anyone,
// and the node may plan its streams without the keyspaces (streaming nothing) or find a source
// down. Seen under 10% packet loss: a join streamed nothing and 79 of 300 acknowledged rows were
// missing at ONE. Cassandra's bootstrap likewise waits to hear from its peers and refuses when a
// node it needs is down. Errors (kUnavailable) after `timeout`, naming the nodes not seen up.
ringcore::Status wait_until_peers_up(Node& node, std::chrono::seconds timeout);
// The same against `down()`, the nodes other than this one its gossip does not show up (asked
// at every look, every 200 ms), on `clock`: the seam tests use.
ringcore::Status wait_until_peers_up(const std::function<std::vector<std::string>()>& down,
                                     std::chrono::seconds timeout, const ringruntime::WaitClock& clock);

// Waits until every peer in `peers()` (asked at every look, every 200 ms: the live peers other
// than this node and `endpoint`) `sees(peer, endpoint, status_value)`: has learnt that STATUS
// for `endpoint`. Errors (kFailed) after `timeout`, naming the peers that had not. What
// Node::wait_until_peers_see runs, with the node's gossip and transport.
using PeerSees = std::function<bool(const std::string& peer)>;
ringcore::Status wait_until_peers_see(const std::string& endpoint, const std::string& status_value,
                                      const std::function<std::vector<std::string>()>& peers, const PeerSees& sees,
                                      std::chrono::seconds timeout, const ringruntime::WaitClock& clock);

// Waits until no live peer gossips another schema version than this node's (the node pulls
// a differing peer's schema every gossip round). Errors (kFailed) after `timeout`.
ringcore::Status wait_for_schema_agreement(Node& node, std::chrono::seconds timeout);
// The same against `differing()`, the live peers gossiping another schema version (asked every
// 200 ms), on `clock`.
ringcore::Status wait_for_schema_agreement(const std::function<std::vector<std::string>()>& differing,
                                           std::chrono::seconds timeout, const ringruntime::WaitClock& clock);

// Hints for a stream source must be delivered before it streams. Each range is streamed from one
// replica (Cassandra's choice too); a write that replica missed is held as a hint by its
// coordinator, for that replica only: streamed before the hint lands, the range reaches its new
// replica without the row, and the hint, delivered later, goes to the old one. Seen: after a
// join under packet loss, 84 of 300 acknowledged rows missing at ONE and 154 on 2 of 3 replicas.
//
// So, before streaming, the operation asks every live node (itself too) for the hints it holds
// by endpoint (GET /internal/hints) and waits until each holder has been seen holding none for
// any source; a holder's hints are replayed in arrival order, so that moment means every hint it
// held for the sources when the wait began has been delivered (or dropped past its window, a
// row repair restores). Hints that come while streaming are for writes that reach the new
// replica themselves (every coordinator sent them there since the announce). Why wait rather
// than the alternatives: handing hints to the new node too needs every coordinator to learn the
// moved ranges; picking a source no one holds hints for may find none (every replica missed some
// rows) and needs the same view; a wait is what operators do by hand ("let hints drain before
// adding a node"), costs one request per node when there are none, and never streams less.
//
// A holder that gossip shows down cannot be asked nor replay: it is skipped, and logged (what it
// hinted reaches the old replica when it returns; repair restores the new one). A holder that is
// up but does not answer is asked again until the deadline. A source that gossip shows down at a look ends
// the wait at once (kUnavailable, "source ADDRESS is down ..."), as stream_change refuses a
// source down before it: its hints cannot be delivered, so waiting on would only wait out the
// timeout and then blame the hints (seen: a removenode whose source was hung in this wait ran
// on for over 90 s). Bounded by `timeout`; then fails
// (kTimedOut) naming a holder, a source and the count: streaming anyway would under-replicate,
// and the operator can retry once the hints are delivered. Returns the hints the holders held for
// the sources at the first look (0: no wait).
inline constexpr std::chrono::seconds kSourceHintsTimeout(120);
ringcore::Result<std::size_t> wait_for_source_hints(Node& node, const std::vector<RangeTransfer>& transfers,
                                                    std::chrono::seconds timeout);
// What wait_for_source_hints asks, so tests can answer it: this node's address, the nodes of its
// gossip view with their status (asked once at the start and at every look, every 500 ms), and
// the hints a holder holds by endpoint (this node's own, or a peer's GET /internal/hints).
struct HintHolders {
  std::string self;
  std::function<std::vector<ringcore::Node>()> members;
  std::function<ringcore::Result<std::map<std::string, std::size_t>>(const std::string& holder)> hints_by_endpoint;
};
ringcore::Result<std::size_t> wait_for_source_hints(const HintHolders& holders,
                                                    const std::vector<RangeTransfer>& transfers,
                                                    std::chrono::seconds timeout, const ringruntime::WaitClock& clock);

// Plans `change` on the cluster as this node sees it now, waits for the hints of its stream
// sources (wait_for_source_hints, recorded in `waits` as "source_hints"), streams every move that
// has a source as the stream plan `description` ("Bootstrap", "Unbootstrap", ...), and records
// the job's result {"bytes_streamed", "rows_streamed", "ranges_streamed", "files_streamed",
// "planned_bytes", "streaming_seconds", "stream_retries" (requests retried, range_streamer.h),
// "source_hints_awaited" (wait_for_source_hints), "waits": waits.to_json()}. Errors: the
// plan's; kUnavailable when a source or target is down as gossip shows it; the hint wait's; the
// streaming's.
ringcore::Status stream_change(Node& node, const ringcore::TopologyChange& change, const std::string& description,
                               JobHandle& job, FixedWaits& waits);

// Epoch milliseconds three days from now: when LEFT and removed entries may be forgotten.
std::int64_t gossip_expiry_ms();

}  // namespace ringnode
