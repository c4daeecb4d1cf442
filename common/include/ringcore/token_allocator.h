// Token allocation for a node that joins: random tokens, or tokens chosen so that the effective
// ownership of the node's datacenter stays even (Cassandra's
// allocate_tokens_for_local_replication_factor).
//
// How the balanced allocator chooses tokens, in plain words:
//
// 1. It looks only at the new node's datacenter D: the ring of D's members (normal, leaving and
//    moving nodes, as TokenRing counts them) plus the new node, replicated as
//    NetworkTopologyStrategy {D: rf} replicates it. Other DCs' tokens never change who replicates
//    what in D; they only must not be reused.
// 2. First node of D: `num_tokens` evenly spaced tokens, rotated by an offset drawn from `random`.
// 3. While D (with the new node) has at most rf nodes, every node owns 100% whatever the tokens,
//    so the allocator lays out "splits" for later: each token halves, thirds, ... the widest gap
//    of D's ring, so that the first rf nodes of equal token counts end up interleaved and
//    evenly spaced (rf x num_tokens equal ranges).
// 4. From then on it places the tokens one at a time, greedily. A candidate is "a token inside
//    primary range r, at distance x from its start". For each r the allocator works out exactly
//    whose load changes, by walking replicas as NetworkTopologyStrategy does: the first part of
//    r is now walked from the new token (the new node gains it and the node pushed out of its
//    replica list loses it, in proportion to x), and every earlier range whose walk reaches r
//    gains the new node and loses the node it displaces, by its full width. The cost is
//        sum over D's nodes of (load - target)^2  +  0.3 x sum over D's tokens of (span - ideal)^2
//    A node's target is rf times its share of D's tokens; for the new node, of the tokens it has
//    placed so far, this one included, so that each token brings about one token's worth. A
//    token's span is the part of its node's load held through that token, and ideal is rf over
//    the number of tokens: this term keeps every token near one token's worth, so that later
//    nodes can find load to take anywhere. The cost is a quadratic in x, so the best x in each
//    range is exact (it is kept within the middle half of the range, to leave no slivers). The
//    allocator takes the range and x that lower the cost most, and repeats.
// 5. A chosen token that is taken (another DC, a joining node) moves to the nearest free token
//    inside the same range; kMinToken counts as taken.
//
// Every step tries every range of D, so one node costs about num_tokens x (tokens in D) short
// replica walks. Measured (bench/token_allocation_bench, one DC, RF 3): with 16 tokens, 13 ms for
// the 96th node and 0.14 s for the 1000th; with 256 tokens, 1.6 s for the 48th.
//
// Thread-safety: the functions keep no state between calls; any thread may call them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/random.h"
#include "ringcore/snapshot.h"
#include "ringcore/token.h"

namespace ringcore {

// Cassandra's limit: "A maximum number of 1536 tokens per node is supported".
inline constexpr int kMaxTokensPerNode = 1536;

// The node that asks for tokens. It need not be in the snapshot; if it is (by address), it must
// not yet own tokens in the ring (a joining entry for it is ignored).
struct NewNode {
  std::string address;
  std::string dc;
  std::string rack;
};

// `num_tokens` uniformly random tokens, sorted ascending, one 64-bit draw from `random` each (a
// SplitMix64 with a given seed gives the same tokens on every platform). As Cassandra's
// Murmur3Partitioner normalises a random long, a draw of kMinToken becomes kMaxToken; a draw
// equal to a token in `taken` or one already drawn is drawn again.
// Errors: num_tokens outside 1..kMaxTokensPerNode (kInvalidInput).
Result<std::vector<Token>> random_tokens(int num_tokens, const std::vector<Token>& taken, Random& random);

// `num_tokens` tokens for `node`, sorted ascending, that keep the effective ownership of the
// node's DC under NetworkTopologyStrategy {node.dc: replication_factor} as even as the greedy
// above can make it. The tokens are valid (never kMinToken) and collide with no token of any
// node in the snapshot, joining nodes included. `random` is drawn from once, for the first node
// of a DC (its rotation); otherwise the result depends on the snapshot alone.
// Errors (kInvalidInput): num_tokens outside 1..kMaxTokensPerNode; replication_factor < 1; an
// empty DC name; the node already owning tokens in the ring; and, as Cassandra refuses it,
// "Token allocation failed: the number of racks <r> in datacenter <dc> is lower than its
// replication factor <rf>." when rf > 1 and the node's rack is one of 2..rf-1 racks of the DC's
// ring members (a rack the DC does not have yet counts as a DC of one rack, as in Cassandra).
Result<std::vector<Token>> allocate_balanced_tokens(const ClusterSnapshot& snapshot, const NewNode& node,
                                                    int num_tokens, int replication_factor, Random& random);

// How even a DC's effective ownership is, for NetworkTopologyStrategy {dc: replication_factor}
// over its ring members: the figures Cassandra's allocator logs ("Replicated node load in
// datacenter ... max min stddev") and the bench prints.
struct OwnershipBalance {
  std::size_t nodes = 0;
  double mean = 0;  // fraction of the ring (1.0 = 100%)
  double max_over_mean = 0;
  double min_over_mean = 0;
  double stddev_over_mean = 0;  // population standard deviation
};

// Computed with effective_ownership (ownership.h). Errors: replication_factor < 1
// (kInvalidInput); no ring member in `dc` (kNotFound).
Result<OwnershipBalance> replicated_ownership_balance(const ClusterSnapshot& snapshot, const std::string& dc,
                                                      int replication_factor);

}  // namespace ringcore
