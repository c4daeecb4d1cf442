// What changed in a gossiper's view, for the node to act on (ring membership, pending ranges,
// its admin API). The gossiper queues events; the node drains them with take_events().
#pragma once

#include <optional>
#include <string>

#include "ringcore/gossip/application_state.h"

namespace ringcore::gossip {

struct GossipEvent {
  enum class Kind {
    kJoin,     // a new endpoint; read its whole state from the gossiper
    kRestart,  // a known endpoint came back with a higher generation; its state was replaced
    kAlive,    // an endpoint answered an echo and is now live
    kDead,     // an endpoint became unreachable: convicted, shut down, or in a dead state
    kChange,   // an application state of a known endpoint (or of this node) changed
  };

  Kind kind = Kind::kChange;
  std::string endpoint;
  std::optional<ApplicationState> state;  // kChange only
  std::string value;                      // kChange only: the new value

  friend bool operator==(const GossipEvent&, const GossipEvent&) = default;
};

}  // namespace ringcore::gossip
