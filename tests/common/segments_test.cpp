// A node's primary ranges and their split into token segments (the repair playbook's segments).
#include "ringcore/segments.h"

#include <doctest/doctest.h>

#include "support/ring_builder.h"

using ringcore::Token;
using ringcore::TokenRange;
using ringcore::TokenRing;
using test_support::ring_of;

namespace {

using Uint128 = unsigned __int128;
constexpr Uint128 kWholeRing = static_cast<Uint128>(1) << 64;

// Clockwise distance from `base` to `token`, a whole turn for the base itself when `whole` (a
// range's right end that comes back to where it started).
Uint128 offset(Token base, Token token, bool whole = false) {
  const Uint128 d = static_cast<std::uint64_t>(token) - static_cast<std::uint64_t>(base);
  return d == 0 && whole ? kWholeRing : d;
}

// A range as (from, to] offsets from `base`.
std::pair<Uint128, Uint128> offsets(Token base, const TokenRange& range) {
  const Uint128 from = offset(base, range.left);
  return {from, offset(base, range.right, true) == from ? from + kWholeRing : offset(base, range.right, true)};
}

// Checks what split_into_segments promises for `ranges` and `count`: arcs that start at the first
// range's left, follow one another round the whole ring, and each hold an equal share of the
// ranges' tokens (the shares differ by at most one token, and add up to all of them).
void check_split(const std::vector<TokenRange>& ranges, std::size_t count) {
  CAPTURE(count);
  const std::vector<TokenRange> segments = ringcore::split_into_segments(ranges, count);
  Uint128 total = 0;
  for (const TokenRange& range : ranges) total += range.is_full_ring() ? kWholeRing : range.width();
  const Uint128 expected = std::min<Uint128>(count, total);
  REQUIRE(segments.size() == static_cast<std::size_t>(expected));
  const Token base = ranges.front().left;
  CHECK(segments.front().left == base);
  CHECK(segments.back().right == base);
  Uint128 covered = 0, previous_end = 0, least = kWholeRing, most = 0;
  for (std::size_t k = 0; k < segments.size(); ++k) {
    CAPTURE(k);
    if (k + 1 < segments.size()) CHECK(segments[k].right == segments[k + 1].left);
    const Uint128 end = k + 1 == segments.size() ? kWholeRing : offset(base, segments[k].right);
    CHECK(end > previous_end);  // each arc moves on, none wraps past the start
    Uint128 held = 0;
    for (const TokenRange& range : ranges) {
      const auto [from, to] = offsets(base, range);
      const Uint128 lo = std::max(from, previous_end), hi = std::min(to, end);
      if (hi > lo) held += hi - lo;
    }
    CHECK(held > 0);
    least = std::min(least, held);
    most = std::max(most, held);
    covered += held;
    previous_end = end;
  }
  CHECK(covered == total);
  CHECK(most - least <= 1);
}

}  // namespace

TEST_CASE("two ranges split into one, two and four segments") {
  const std::vector<TokenRange> ranges = {{0, 10}, {20, 30}};
  CHECK(ringcore::split_into_segments(ranges, 1) == std::vector<TokenRange>{{0, 0}});  // the whole ring
  CHECK(ringcore::split_into_segments(ranges, 2) == std::vector<TokenRange>{{0, 10}, {10, 0}});
  CHECK(ringcore::split_into_segments(ranges, 4) == std::vector<TokenRange>{{0, 5}, {5, 10}, {10, 25}, {25, 0}});
  for (std::size_t count : {1, 2, 3, 4, 7, 20}) check_split(ranges, count);
}

TEST_CASE("fewer segments than asked when the ranges hold fewer tokens, and none for none") {
  const std::vector<TokenRange> ranges = {{5, 6}, {8, 9}};
  CHECK(ringcore::split_into_segments(ranges, 5) == std::vector<TokenRange>{{5, 6}, {6, 5}});
  CHECK(ringcore::split_into_segments(ranges, 0).empty());
  CHECK(ringcore::split_into_segments({}, 3).empty());
}

TEST_CASE("a node's primary ranges in ring order, the wrapping one first, split across the wrap") {
  // a owns the ring's first token, so its first primary range wraps past the ring's end.
  const auto snapshot = ring_of({{"a", "dc1", "r1", {-1000, 500}},
                                 {"b", "dc1", "r1", {0, 4000}},
                                 {"c", "dc1", "r1", {ringcore::kMaxToken - 10}}});
  const TokenRing ring(snapshot);
  const std::vector<TokenRange> a = ringcore::primary_ranges_of(ring, 0);
  CHECK(a == std::vector<TokenRange>{{ringcore::kMaxToken - 10, -1000}, {0, 500}});
  CHECK(ringcore::primary_ranges_of(ring, 2) == std::vector<TokenRange>{{4000, ringcore::kMaxToken - 10}});
  // Two segments: the first ends inside the wrapping range, past the ring's end.
  const std::vector<TokenRange> two = ringcore::split_into_segments(a, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].left == ringcore::kMaxToken - 10);
  CHECK(two[0].wraps());
  CHECK(two[0].right < -1000);
  for (std::size_t count : {1, 2, 3, 5, 16, 1000}) {
    check_split(a, count);
    check_split(ringcore::primary_ranges_of(ring, 1), count);
    check_split(ringcore::primary_ranges_of(ring, 2), count);
  }
}

TEST_CASE("a one-token ring: its one range is the whole ring, split into equal arcs") {
  const auto snapshot = ring_of({{"a", "dc1", "r1", {123}}});
  const TokenRing ring(snapshot);
  const std::vector<TokenRange> all = ringcore::primary_ranges_of(ring, 0);
  CHECK(all == std::vector<TokenRange>{{123, 123}});
  const std::vector<TokenRange> four = ringcore::split_into_segments(all, 4);
  REQUIRE(four.size() == 4);
  for (const TokenRange& segment : four) CHECK(segment.width() == std::uint64_t{1} << 62);
  for (std::size_t count : {1, 3, 4, 9}) check_split(all, count);
}

TEST_CASE("sixteen interleaved tokens per node, as a lab's nodes have them") {
  const auto snapshot = ring_of(test_support::interleaved_specs(4, 16, 1));
  const TokenRing ring(snapshot);
  for (ringcore::NodeIndex node = 0; node < 4; ++node) {
    REQUIRE(ringcore::primary_ranges_of(ring, node).size() == 16);
    for (std::size_t count : {1, 2, 3, 4, 15, 16, 17, 64}) check_split(ringcore::primary_ranges_of(ring, node), count);
  }
}
