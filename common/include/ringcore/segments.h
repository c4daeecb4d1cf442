// Token segments of a node's primary ranges: the unit a segmented repair works in (the repair
// playbook's `segments`), so that a long repair is many short steps, each resumable on its own.
#pragma once

#include <cstddef>
#include <vector>

#include "ringcore/ring.h"
#include "ringcore/token.h"

namespace ringcore {

// The primary ranges of `node`: the ranges ending at its tokens, in ring order (the one ending
// at the ring's first token, which wraps, first). Empty when the node has no token in the ring.
std::vector<TokenRange> primary_ranges_of(const TokenRing& ring, NodeIndex node);

// Splits the ring into `count` contiguous arcs that each hold an equal share (to a token) of
// `ranges`' width: the ranges must be disjoint and in clockwise order, all within one turn from
// the first's left token (as primary_ranges_of gives them). The arcs start at that token, follow
// one another, and the last ends where the first starts, so together they are the whole ring
// and their intersections with `ranges` cover `ranges` exactly, each token once. One arc is the
// whole ring; fewer arcs than `count` when the ranges hold fewer tokens than that. Empty when
// `ranges` is empty or `count` is 0.
std::vector<TokenRange> split_into_segments(const std::vector<TokenRange>& ranges, std::size_t count);

}  // namespace ringcore
