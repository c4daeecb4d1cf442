// Application states: the named, versioned values a node gossips about itself.
//
// The enum follows Cassandra's ApplicationState order (4.1, plus 5.0's INDEX_STATUS), which
// is the order `gossipinfo` prints. ringnode publishes STATUS, LOAD, SCHEMA, DC, RACK,
// RELEASE_VERSION, HOST_ID and TOKENS; the others exist so that states can be added without
// renumbering, and X1..X10 are Cassandra's padding for future states.
// On the wire (JSON) states travel by name, so the numeric values are never exchanged.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/token.h"

namespace ringcore::gossip {

enum class ApplicationState {
  kStatus,
  kLoad,
  kSchema,
  kDc,
  kRack,
  kReleaseVersion,
  kRemovalCoordinator,
  kInternalIp,
  kRpcAddress,
  kX11Padding,
  kSeverity,
  kNetVersion,
  kHostId,
  kTokens,
  kRpcReady,
  kInternalAddressAndPort,
  kNativeAddressAndPort,
  kStatusWithPort,
  kSstableVersions,
  kDiskUsage,
  kIndexStatus,
  kX1,
  kX2,
  kX3,
  kX4,
  kX5,
  kX6,
  kX7,
  kX8,
  kX9,
  kX10,
};

inline constexpr std::size_t kApplicationStateCount = static_cast<std::size_t>(ApplicationState::kX10) + 1;

// Cassandra's name of the state, e.g. "STATUS", "RELEASE_VERSION", "X1".
const char* application_state_name(ApplicationState state);

// The state with that exact (upper-case) name; nullopt for any other text.
std::optional<ApplicationState> parse_application_state(std::string_view name);

// The TOKENS value: a node's full token list as comma-separated decimal tokens, ascending.
// (Cassandra sends TOKENS in binary; ours is text so that the JSON stays readable.)
std::string format_tokens_value(std::vector<Token> tokens);

// Parses a TOKENS value. The empty text is the empty list. Errors name the bad entry.
Result<std::vector<Token>> parse_tokens_value(std::string_view text);

// The LOAD value: the node's data size in bytes as Java's Double.toString prints it, which is
// what Cassandra gossips: "81234.0" below 10^7, "1.2345678E7" from 10^7 on.
// REQUIRES: bytes >= 0.
std::string format_load_value(double bytes);

// Parses a LOAD value ("81234.0", "1.2345678E7", also a plain integer). Errors name the text;
// negative, infinite and NaN values are refused.
Result<double> parse_load_value(std::string_view text);

}  // namespace ringcore::gossip
