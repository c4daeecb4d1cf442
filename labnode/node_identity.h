// A node's identity: host id and tokens chosen at first start, and the gossip generation of
// each run. All three are kept in the storage's local metadata, so a restarted node comes back
// with the same host id and tokens and a higher generation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/random.h"
#include "ringcore/token.h"
#include "storage.h"

namespace ringnode {

struct NodeIdentity {
  std::string host_id;
  std::vector<ringcore::Token> tokens;  // ascending; empty until chosen
};

// A generator seeded from /dev/urandom (std::random_device), for host ids and token seeds.
std::unique_ptr<ringcore::Random> entropy_random();

// 128 bits in UUID text form: 8-4-4-4-12 lower-case hex digits, `high` first.
std::string format_uuid(std::uint64_t high, std::uint64_t low);

// A random (version 4, RFC 4122 variant) UUID in its lower-case text form.
std::string random_uuid(ringcore::Random& random);

// The persisted identity, or nullopt on a first start. A stored host id without tokens (a
// start that stopped before choosing them) is returned with empty tokens.
ringcore::Result<std::optional<NodeIdentity>> load_identity(const Storage& storage);
ringcore::Status save_identity(Storage& storage, const NodeIdentity& identity);

// This run's generation: max(now_seconds, previous generation + 1), persisted before it is
// returned so that two runs never gossip the same generation.
ringcore::Result<std::int64_t> next_generation(Storage& storage, std::int64_t now_seconds);

}  // namespace ringnode
