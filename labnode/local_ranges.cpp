#include "local_ranges.h"

#include <algorithm>

#include "ringcore/placement.h"

namespace ringnode {
namespace {

using ringcore::Token;

// A range as closed, non-wrapping token intervals [first, last].
std::vector<std::pair<Token, Token>> closed_pieces(const ringcore::TokenRange& range) {
  if (range.left < range.right) return {{range.left + 1, range.right}};
  std::vector<std::pair<Token, Token>> pieces;
  if (range.left != ringcore::kMaxToken) pieces.emplace_back(range.left + 1, ringcore::kMaxToken);
  pieces.emplace_back(ringcore::kMinToken, range.right);
  return pieces;
}

}  // namespace

ringcore::Result<std::vector<ReplicatedRange>> replicated_ranges(const ClusterView& view,
                                                                 const ringcore::Replication& replication) {
  std::vector<ReplicatedRange> ranges;
  if (view.ring.empty()) return ranges;
  auto placement = ringcore::ReplicaPlacement::create(view.ring, replication);
  if (!placement) return placement.error();
  placement->for_each_range([&](std::size_t i, const std::vector<ringcore::NodeIndex>& replicas) {
    ReplicatedRange entry{view.ring.range_ending_at(i), {}};
    for (ringcore::NodeIndex node : replicas) entry.replicas.push_back(view.address(node));
    ranges.push_back(std::move(entry));
  });
  return ranges;
}

std::vector<ringcore::TokenRange> intersect(const ringcore::TokenRange& a, const ringcore::TokenRange& b) {
  std::vector<ringcore::TokenRange> out;
  for (const auto& [a_first, a_last] : closed_pieces(a)) {
    for (const auto& [b_first, b_last] : closed_pieces(b)) {
      const Token first = std::max(a_first, b_first);
      const Token last = std::min(a_last, b_last);
      if (first > last) continue;
      // (first - 1, last], with the ring's wrap for first = min: (max, last] holds [min, last].
      out.push_back({static_cast<Token>(static_cast<std::uint64_t>(first) - 1), last});
    }
  }
  return out;
}

}  // namespace ringnode
