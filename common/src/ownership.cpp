#include "ringcore/ownership.h"

#include <array>
#include <cstdint>

namespace ringcore {
namespace {

using Int128 = __int128;

// R = Long.MAX_VALUE - (Long.MIN_VALUE + 1) = 2^64 - 2, the ring size Cassandra divides by.
constexpr Int128 kRingSize = (static_cast<Int128>(1) << 64) - 2;

// ((to - from + R) mod R) / R to six decimals, half even, then to float: the arithmetic of
// Murmur3Partitioner.describeOwnership.
float share_between(Token from, Token to) {
  // (to - from + R) mod R, where to - from + R lies in [-1, 2R + 1].
  Int128 distance = static_cast<Int128>(to) - from + kRingSize;
  if (distance < 0) distance += kRingSize;
  while (distance >= kRingSize) distance -= kRingSize;
  // x / R without a division: R = 2^64 - 2, so x = q * 2^64 + lo = q * R + (lo + 2q). The
  // remainder lo + 2q is below 3R, so at most two corrections make it exact.
  const auto scaled = static_cast<unsigned __int128>(distance) * 1000000u;
  auto micros = static_cast<std::uint64_t>(scaled >> 64);
  auto remainder =
      static_cast<unsigned __int128>(static_cast<std::uint64_t>(scaled)) + 2 * static_cast<unsigned __int128>(micros);
  while (remainder >= static_cast<unsigned __int128>(kRingSize)) {
    remainder -= static_cast<unsigned __int128>(kRingSize);
    ++micros;
  }
  const auto twice = 2 * remainder;
  const auto ring = static_cast<unsigned __int128>(kRingSize);
  if (twice > ring || (twice == ring && (micros & 1) != 0)) ++micros;
  // BigDecimal.floatValue() of a small unscaled value: one correctly rounded float division.
  return static_cast<float>(static_cast<std::int64_t>(micros)) / 1000000.0f;
}

NodeOwnership empty_ownership(const TokenRing& ring) {
  NodeOwnership owns(ring.node_count());
  for (NodeIndex node = 0; node < ring.node_count(); ++node) {
    if (ring.in_ring(node)) owns[node] = 0.0;
  }
  return owns;
}

// Float sums, as Java accumulates them, converted at the end.
NodeOwnership to_ownership(const TokenRing& ring, const std::vector<float>& sums) {
  NodeOwnership owns = empty_ownership(ring);
  for (NodeIndex node = 0; node < ring.node_count(); ++node) {
    if (owns[node]) owns[node] = static_cast<double>(sums[node]);
  }
  return owns;
}

constexpr std::array<const char*, 7> kSystemKeyspaces = {
    "system",        "system_schema", "system_auth",          "system_distributed",
    "system_traces", "system_views",  "system_virtual_schema"};

OwnershipView note_only(const TokenRing& ring, std::string note) {
  return OwnershipView{false, "", raw_ownership(ring), std::move(note)};
}

OwnershipView effective_view(const TokenRing& ring, const Keyspace& keyspace) {
  // Callers have ruled out LocalStrategy, the only strategy create() refuses.
  auto placement = ReplicaPlacement::create(ring, keyspace.replication);
  return OwnershipView{true, keyspace.name, effective_ownership(*placement), ""};
}

}  // namespace

std::vector<float> primary_range_shares(const TokenRing& ring) {
  std::vector<float> shares(ring.size());
  if (ring.size() == 1) {
    shares[0] = 1.0f;
    return shares;
  }
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const TokenRange range = ring.range_ending_at(i);
    shares[i] = share_between(range.left, range.right);
  }
  return shares;
}

NodeOwnership raw_ownership(const TokenRing& ring) {
  const std::vector<float> shares = primary_range_shares(ring);
  std::vector<float> sums(ring.node_count(), 0.0f);
  for (std::size_t i = 0; i < ring.size(); ++i) sums[ring.owner_at(i)] += shares[i];
  return to_ownership(ring, sums);
}

NodeOwnership effective_ownership(const ReplicaPlacement& placement) {
  const TokenRing& ring = placement.ring();
  const std::vector<float> shares = primary_range_shares(ring);
  std::vector<float> sums(ring.node_count(), 0.0f);
  placement.for_each_range([&](std::size_t i, const std::vector<NodeIndex>& replicas) {
    for (NodeIndex node : replicas) sums[node] += shares[i];
  });
  return to_ownership(ring, sums);
}

bool is_system_keyspace(const std::string& name) {
  for (const char* system : kSystemKeyspaces) {
    if (name == system) return true;
  }
  return false;
}

Result<OwnershipView> ownership_view(const ClusterSnapshot& snapshot, const TokenRing& ring,
                                     const std::optional<std::string>& keyspace) {
  if (keyspace) {
    auto found = snapshot.require_keyspace(*keyspace);
    if (!found) return found.error();
    const Keyspace* ks = *found;
    if (ks->replication.kind == StrategyKind::kLocal) {
      return note_only(ring, "Ownership values for keyspaces with LocalStrategy are meaningless");
    }
    return effective_view(ring, *ks);
  }

  const Keyspace* first = nullptr;
  for (const Keyspace& ks : snapshot.keyspaces) {
    if (is_system_keyspace(ks.name) || ks.replication.kind == StrategyKind::kLocal) continue;
    if (first == nullptr) {
      first = &ks;
    } else if (!ks.replication.same_settings_as(first->replication)) {
      return note_only(ring,
                       "Non-system keyspaces don't have the same replication settings, effective ownership "
                       "information is meaningless");
    }
  }
  if (first == nullptr) first = snapshot.find_keyspace("system_traces");
  if (first == nullptr) {
    return note_only(ring,
                     "The node does not have system_traces yet, probably still bootstrapping. Effective "
                     "ownership information is meaningless.");
  }
  return effective_view(ring, *first);
}

}  // namespace ringcore
