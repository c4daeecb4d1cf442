// TokenRing: the normal ring of a snapshot, indexed for placement and ownership.
//
// The ring holds the tokens of every node that owns data: normal, leaving and moving nodes.
// Joining nodes are not in it (their tokens are pending, as in Cassandra's TokenMetadata), nor
// in the topology used by NetworkTopologyStrategy. Node numbers are indexes into
// snapshot.nodes. A TokenRing borrows nothing from the snapshot once built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ringcore/snapshot.h"
#include "ringcore/token.h"

namespace ringcore {

using NodeIndex = std::uint32_t;

class TokenRing {
 public:
  explicit TokenRing(const ClusterSnapshot& snapshot);

  // Number of tokens in the ring.
  std::size_t size() const { return tokens_.size(); }
  bool empty() const { return tokens_.empty(); }
  Token token_at(std::size_t i) const { return tokens_[i]; }
  NodeIndex owner_at(std::size_t i) const { return owners_[i]; }
  const std::vector<Token>& tokens() const { return tokens_; }

  // Index of the first ring token >= token, wrapping to 0 past the last one: the token that
  // ends the primary range holding `token`. REQUIRES: !empty().
  std::size_t index_for(Token token) const;
  // The primary range ending at ring index i: (token[i-1], token[i]], wrapping at 0.
  TokenRange range_ending_at(std::size_t i) const;

  // Topology of the ring members, used by NetworkTopologyStrategy.
  std::size_t node_count() const { return node_dc_.size(); }  // all snapshot nodes
  bool in_ring(NodeIndex node) const { return node_rack_[node] != kNotInRing; }
  // Datacenter number of a node (0..dc_count()-1), for every node, member or not.
  std::uint32_t dc_of(NodeIndex node) const { return node_dc_[node]; }
  // Rack number, unique across DCs; kNotInRing for nodes outside the ring.
  std::uint32_t rack_of(NodeIndex node) const { return node_rack_[node]; }
  std::size_t dc_count() const { return dc_names_.size(); }
  std::size_t rack_count() const { return rack_total_; }
  const std::string& dc_name(std::uint32_t dc) const { return dc_names_[dc]; }
  // Ring members and distinct racks among them, per DC.
  std::uint32_t members_in_dc(std::uint32_t dc) const { return dc_members_[dc]; }
  std::uint32_t racks_in_dc(std::uint32_t dc) const { return dc_racks_[dc]; }
  // Ring indexes of the tokens owned by nodes of `dc`, ascending.
  const std::vector<std::uint32_t>& positions_in_dc(std::uint32_t dc) const { return dc_positions_[dc]; }
  // Number of tokens a node has in the ring (0 for joining nodes).
  std::uint32_t tokens_of(NodeIndex node) const { return node_tokens_[node]; }

  static constexpr std::uint32_t kNotInRing = UINT32_MAX;

 private:
  std::vector<Token> tokens_;      // sorted ascending
  std::vector<NodeIndex> owners_;  // owners_[i] owns tokens_[i]
  std::vector<std::uint32_t> node_dc_;
  std::vector<std::uint32_t> node_rack_;
  std::vector<std::uint32_t> node_tokens_;
  std::vector<std::string> dc_names_;  // sorted by name
  std::vector<std::uint32_t> dc_members_;
  std::vector<std::uint32_t> dc_racks_;
  std::vector<std::vector<std::uint32_t>> dc_positions_;
  std::size_t rack_total_ = 0;
};

}  // namespace ringcore
