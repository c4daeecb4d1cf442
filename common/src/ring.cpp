#include "ringcore/ring.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace ringcore {

TokenRing::TokenRing(const ClusterSnapshot& snapshot) {
  const std::size_t n = snapshot.nodes.size();
  node_dc_.resize(n);
  node_rack_.assign(n, kNotInRing);
  node_tokens_.assign(n, 0);

  std::map<std::string, std::uint32_t> dcs;
  for (const Node& node : snapshot.nodes) dcs.emplace(node.dc, 0);
  for (auto& [name, number] : dcs) {
    number = static_cast<std::uint32_t>(dc_names_.size());
    dc_names_.push_back(name);
  }
  dc_members_.assign(dc_names_.size(), 0);
  dc_racks_.assign(dc_names_.size(), 0);

  std::map<std::pair<std::uint32_t, std::string>, std::uint32_t> racks;
  std::vector<std::pair<Token, NodeIndex>> entries;
  for (NodeIndex i = 0; i < n; ++i) {
    const Node& node = snapshot.nodes[i];
    const std::uint32_t dc = dcs.at(node.dc);
    node_dc_[i] = dc;
    if (node.state == NodeState::kJoining) continue;
    auto [it, added] = racks.emplace(std::pair{dc, node.rack}, static_cast<std::uint32_t>(racks.size()));
    if (added) ++dc_racks_[dc];
    node_rack_[i] = it->second;
    ++dc_members_[dc];
    node_tokens_[i] = static_cast<std::uint32_t>(node.tokens.size());
    for (Token t : node.tokens) entries.emplace_back(t, i);
  }
  rack_total_ = racks.size();

  std::sort(entries.begin(), entries.end());
  tokens_.reserve(entries.size());
  owners_.reserve(entries.size());
  dc_positions_.resize(dc_names_.size());
  for (const auto& [token, owner] : entries) {
    dc_positions_[node_dc_[owner]].push_back(static_cast<std::uint32_t>(tokens_.size()));
    tokens_.push_back(token);
    owners_.push_back(owner);
  }
}

std::size_t TokenRing::index_for(Token token) const {
  auto it = std::lower_bound(tokens_.begin(), tokens_.end(), token);
  return it == tokens_.end() ? 0 : static_cast<std::size_t>(it - tokens_.begin());
}

TokenRange TokenRing::range_ending_at(std::size_t i) const {
  const std::size_t previous = i == 0 ? tokens_.size() - 1 : i - 1;
  return {tokens_[previous], tokens_[i]};
}

}  // namespace ringcore
