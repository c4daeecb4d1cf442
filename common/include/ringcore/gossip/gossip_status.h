// STATUS values: how a node announces where it is in its lifecycle (nodetool-facts §6.1).
//
//   BOOT,<token>              joining           NORMAL,<token>        serving
//   LEAVING,<token>           decommissioning   LEFT,<token>,<expire> gone (decommissioned)
//   MOVING,<token>            moving            removing,<hostId>     being removed
//   removed,<hostId>,<expire> gone (removed)    shutdown,true         stopped gracefully
//   BOOT_REPLACE,<address>    replacing a node  hibernate,true        replacing, same address
//
// Only the first token travels in STATUS; the full list is the TOKENS state. <expire> is the
// epoch time in milliseconds after which the entry may be forgotten (3 days after leaving).
// Case matters, as in Cassandra: "removing" and "shutdown" are lower case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ringcore/error.h"
#include "ringcore/snapshot.h"
#include "ringcore/token.h"

namespace ringcore::gossip {

enum class StatusKind {
  kBoot,
  kBootReplace,
  kNormal,
  kShutdown,
  kLeaving,
  kLeft,
  kMoving,
  kRemoving,
  kRemoved,
  kHibernate
};

// The keyword as it appears in the value: "BOOT", "removing", "shutdown", ...
const char* status_kind_keyword(StatusKind kind);

struct GossipStatus {
  StatusKind kind = StatusKind::kNormal;
  std::optional<Token> token;             // BOOT, NORMAL, LEAVING, LEFT, MOVING
  std::string host_id;                    // removing, removed
  std::string replaced_address;           // BOOT_REPLACE
  std::optional<std::int64_t> expire_ms;  // LEFT, removed

  friend bool operator==(const GossipStatus&, const GossipStatus&) = default;
};

std::string status_boot(Token token);
std::string status_boot_replace(std::string_view replaced_address);
std::string status_normal(Token token);
std::string status_shutdown();
std::string status_leaving(Token token);
std::string status_left(Token token, std::int64_t expire_ms);
std::string status_moving(Token token);
std::string status_removing(std::string_view host_id);
std::string status_removed(std::string_view host_id, std::int64_t expire_ms);
std::string status_hibernate();

// Parses a STATUS value. Errors (kInvalidInput) name the value and what is wrong with it: an
// unknown keyword, a missing or extra field, a bad token or expiry time.
Result<GossipStatus> parse_status_value(std::string_view value);

// The snapshot state a STATUS stands for; nullopt for LEFT and removed, whose endpoints are no
// longer part of the ring. shutdown and hibernate count as normal (the node is down, not
// moving), removing as leaving (nodetool's "DL").
std::optional<NodeState> node_state_of(StatusKind kind);

// Cassandra's dead states (removing, removed, LEFT, hibernate): an endpoint in one of these is
// never marked alive.
bool is_dead_state(StatusKind kind);

// Dead states plus BOOT and BOOT_REPLACE: a node in one of these stops without announcing it.
bool is_silent_shutdown_state(StatusKind kind);

}  // namespace ringcore::gossip
