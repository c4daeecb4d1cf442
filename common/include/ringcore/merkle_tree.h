// Merkle trees over a token range, for repair: two replicas build a tree over the same range
// and depth from the rows they hold, exchange them, and stream only the leaf ranges whose
// hashes differ.
//
// Split. A tree over the range (l, r] (wrapping allowed; (x, x] is the whole ring) has
// 2^depth leaves. Let W be the range's width in tokens (2^64 for the whole ring) and
// w = floor(W / 2^depth). Leaf i covers (l + i*w, l + (i+1)*w] for i < 2^depth - 1, with
// token arithmetic wrapping modulo 2^64; the last leaf covers (l + (2^depth - 1)*w, r] and so
// takes the remainder. The boundaries depend on (range, depth) only, so every node building a
// tree for the same range and depth gets the same leaves. When W < 2^depth, w is 0: all leaves
// but the last are empty (they hold no token) and the last holds the whole range.
//
// Leaves. A leaf's hash is the XOR of the 128-bit Murmur3 hashes of the row hashes added to
// it, and it counts its rows; so rows may be added in any order, and an empty leaf has hash 0
// and count 0. Two leaves are equal when both hash and count are equal. An inner node's hash
// is Murmur3 over its two children's (hash, count) in a fixed little-endian layout; Murmur3 is
// for change detection between cooperating replicas, not against an adversary.
//
// Thread-safety: const members may be called concurrently; add() needs exclusive access.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/murmur3.h"
#include "ringcore/token.h"

namespace ringcore {

inline constexpr int kMaxMerkleDepth = 20;

// A deterministic hash of a row's identity and version, as 32 lowercase hex digits: Murmur3
// over the key's length (4 bytes big-endian), the key, timestamp_us (8 bytes big-endian), one
// byte 0/1 for tombstone, and value_digest. Pass value_digest(cell value) (the empty value's
// digest for tombstones), so replicas holding the same cell give the same hash.
std::string row_hash(std::string_view key, std::int64_t timestamp_us, bool tombstone, std::string_view value_digest);

// The depth giving about one row per leaf for `estimated_rows` rows: ceil(log2(rows)), at
// least 0 and at most kMaxMerkleDepth (as Cassandra sizes its validation trees).
int merkle_depth_for(std::uint64_t estimated_rows);

class MerkleTree {
 public:
  // An empty tree (every leaf hash 0, count 0). REQUIRES: 0 <= depth <= kMaxMerkleDepth.
  MerkleTree(TokenRange range, int depth);

  // Folds a row into the leaf holding `token`. `row_hash` is any bytes naming the row's
  // version (normally row_hash() above); adding the same row twice cancels it out, so add
  // each row once. Order does not matter. Returns an error naming the token and the range
  // when the token is outside the range; the tree is then unchanged.
  Status add(Token token, std::string_view row_hash);

  const TokenRange& range() const { return range_; }
  int depth() const { return depth_; }
  std::size_t leaf_count() const { return counts_.size(); }
  std::uint64_t row_count() const;  // over all leaves

  // The leaf holding `token`. REQUIRES: range().contains(token).
  std::size_t leaf_index(Token token) const;
  // Leaf i's tokens, or nullopt for an empty leaf (see Split above). REQUIRES: i < leaf_count().
  std::optional<TokenRange> leaf_range(std::size_t i) const;
  // REQUIRES: i < leaf_count().
  const Murmur3Hash& leaf_hash(std::size_t i) const { return hashes_[i]; }
  std::uint64_t leaf_rows(std::size_t i) const { return counts_[i]; }

  // The root's hash (for depth 0, the root is the single leaf and this is its hash). Inner
  // hashes are not kept: this hashes all 2^depth - 1 of them.
  Murmur3Hash root_hash() const;

  // Wire form: {"range": "(l,r]", "depth": d, "hashes": "<32 hex digits per leaf, in leaf
  // order>", "counts": [rows per leaf]}. Tokens travel as text, so no JSON number limits them.
  // About 35 bytes per leaf (1.1 MB for 2^15 leaves): 32 hex digits plus the count.
  std::string to_json() const;
  // Parses to_json()'s form. Errors name the field at fault (and the leaf, for a leaf with 0
  // rows but a non-zero hash).
  static Result<MerkleTree> from_json(std::string_view json_text);

  // Same range, depth, and leaf hashes and counts.
  friend bool operator==(const MerkleTree& a, const MerkleTree& b);

 private:
  // Leaf width w (see Split); unused when there is one leaf.
  std::uint64_t leaf_width() const;

  TokenRange range_;
  int depth_;
  std::vector<Murmur3Hash> hashes_;
  std::vector<std::uint64_t> counts_;
};

// The token ranges whose rows differ between `a` and `b`: the ranges of the leaves whose
// (hash, count) differ, in leaf order from the range's left, with ranges that touch merged
// (all leaves differing gives the tree's whole range). Hashes both trees' inner nodes, then
// descends from the root, skipping equal subtrees: about 10 ms for two 2^15-leaf trees.
// Returns an error when the trees' ranges or depths differ.
Result<std::vector<TokenRange>> difference(const MerkleTree& a, const MerkleTree& b);

// The same for several replicas at once: the ranges of the leaves where any of `others`
// differs from `reference`, merged as above (repair compares every replica with one).
// Returns an error when any tree's range or depth differs from the reference's.
Result<std::vector<TokenRange>> difference(const MerkleTree& reference, std::span<const MerkleTree> others);

}  // namespace ringcore
