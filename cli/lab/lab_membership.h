// Which lab members are still members of the ring. A node that was decommissioned or removed
// (removenode) has left: the lab must stop counting it, or every later command waits for it,
// writes to it and reads from it.
#pragma once

#include <string>
#include <vector>

#include "lab/lab_layout.h"

namespace ringctl::lab {

struct Departure {
  std::string name;    // the member, "node3"
  std::string reason;  // "decommissioned", "removed (removenode)"
};

// The members some running member's gossip (GET /v1/gossip on the native port) marks as gone:
// STATUS LEFT (decommissioned) or removed. Members that no running node answers for are not
// judged. Never throws for an unreachable node: it is simply not asked.
std::vector<Departure> departed_members(const Lab& lab);

// What the other running members' views of the ring (GET /v1/cluster) say of `node`.
struct RingPresence {
  int answered = 0;     // members other than `node` that answered
  std::string seen_by;  // the first of them that lists `node`; "" when none does
};
RingPresence ring_presence(const Lab& lab, const LabNode& node);

}  // namespace ringctl::lab
