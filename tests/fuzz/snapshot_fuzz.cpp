// Fuzzes the snapshot parser with arbitrary bytes. Properties: it never crashes or hangs; what
// it accepts survives a serialise/parse round trip; and every accepted snapshot can be analysed
// (ring, placement and ownership for each keyspace) without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"

namespace {

constexpr std::size_t kMaxTokens = 20000;  // keep each input's analysis fast

std::size_t token_count(const ringcore::ClusterSnapshot& snapshot) {
  std::size_t count = 0;
  for (const auto& node : snapshot.nodes) count += node.tokens.size();
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto snapshot = ringcore::parse_snapshot(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!snapshot.ok()) return 0;
  auto again = ringcore::parse_snapshot(ringcore::serialize_snapshot(*snapshot));
  if (!again.ok() || again->nodes.size() != snapshot->nodes.size() ||
      again->keyspaces.size() != snapshot->keyspaces.size()) {
    std::abort();
  }
  if (token_count(*snapshot) > kMaxTokens) return 0;
  const ringcore::TokenRing ring(*snapshot);
  (void)ringcore::ownership_view(*snapshot, ring, std::nullopt);
  for (const auto& ks : snapshot->keyspaces) {
    (void)ringcore::ownership_view(*snapshot, ring, ks.name);
    auto placement = ringcore::ReplicaPlacement::create(ring, ks.replication);
    if (placement.ok() && !ring.empty()) (void)placement->replicas_for_token(ring.token_at(0));
  }
  return 0;
}
