// Token buckets (merkle_buckets.h): how a range is cut into segments, and the digests Storage
// keeps as it writes. What must hold: the segments of a range hold exactly its tokens, each
// within one bucket; the digests kept through puts, overwrites, ingests and removals equal the
// ones rebuilt from the rows when the storage is opened again; replicas holding the same rows
// agree, and a changed cell makes exactly its segment differ.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "merkle_buckets.h"
#include "ringcore/murmur3.h"
#include "storage.h"
#include "support/temp_dir.h"

namespace {

using ringcore::Token;
using ringcore::TokenRange;
using ringnode::Cell;
using ringnode::Segment;
using ringnode::SegmentDigest;
using ringnode::Storage;
using ringnode::StoredRow;

const TokenRange kWholeRing{ringcore::kMinToken, ringcore::kMinToken};
// The width of one bucket in tokens.
constexpr std::uint64_t kBucketWidth = 1ULL << (64 - ringnode::kBucketBits);

std::unique_ptr<Storage> open_with_keyspace(const std::string& path) {
  auto storage = Storage::open(path);
  REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
  REQUIRE((*storage)->create_keyspace("ks").ok());
  return std::move(storage).value();
}

std::string key(int i) { return "key" + std::to_string(i); }

std::vector<SegmentDigest> digests(const Storage& storage, const TokenRange& range) {
  auto answer = storage.range_digests("ks", range);
  REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().message()));
  return std::move(answer).value();
}

// The segments must tile `range`: start at its left, end at its right, each starting where the
// previous ended, each inside one bucket, `whole` exactly when it spans its bucket.
void check_tiles(const TokenRange& range) {
  const std::vector<Segment> segments = ringnode::segments_of(range);
  REQUIRE_FALSE(segments.empty());
  CHECK(segments.front().range.left == range.left);
  CHECK(segments.back().range.right == range.right);
  std::uint64_t tokens = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = segments[i];
    if (i > 0) CHECK(segment.range.left == segments[i - 1].range.right);
    CHECK(ringnode::bucket_of(segment.range.right) == segment.bucket);
    CHECK(ringnode::bucket_of(static_cast<Token>(static_cast<std::uint64_t>(segment.range.left) + 1)) ==
          segment.bucket);
    CHECK(segment.range.width() <= kBucketWidth);
    CHECK(segment.whole == (segment.range.width() == kBucketWidth));
    tokens += segment.range.width();
  }
  CHECK(tokens == range.width());  // the whole ring wraps to 0, as width() reports it
}

}  // namespace

TEST_CASE("a range's segments hold exactly its tokens, one bucket each") {
  check_tiles(kWholeRing);
  check_tiles(TokenRange{-1000, 1000});                                            // inside one bucket
  check_tiles(TokenRange{-5'000'000'000'000'000'000, 3'000'000'000'000'000'000});  // many buckets
  check_tiles(TokenRange{3'000'000'000'000'000'000, -5'000'000'000'000'000'000});  // wraps
  check_tiles(TokenRange{ringcore::kMaxToken - 7, 12});                            // wraps just past the end
  check_tiles(TokenRange{ringcore::kMinToken, 0});                                 // from the ring's origin
  // Every bucket once, but the one holding the ring's left end, cut in two there.
  CHECK(ringnode::segments_of(kWholeRing).size() == ringnode::kBucketCount + 1);
}

TEST_CASE("the digests kept by writes equal the ones rebuilt from the rows at open") {
  const test_support::TempDir dir("ringnode_buckets_test_");
  const TokenRange part{-3'000'000'000'000'000'000, 4'000'000'000'000'000'000};
  std::vector<SegmentDigest> whole_ring;
  std::vector<SegmentDigest> partial;
  {
    auto storage = open_with_keyspace(dir.path());
    for (int i = 0; i < 3000; ++i) REQUIRE(storage->apply("ks", key(i), Cell{100, false, "v" + key(i)}).ok());
    for (int i = 0; i < 3000; i += 3) REQUIRE(storage->apply("ks", key(i), Cell{200, false, "newer"}).ok());
    for (int i = 1; i < 3000; i += 7) REQUIRE(storage->apply("ks", key(i), Cell{300, true, ""}).ok());
    // A streamed page: newer cells for some keys, older for others, new keys.
    std::vector<StoredRow> rows;
    for (int i = 2500; i < 3500; ++i)
      rows.push_back({ringcore::token_for_key(key(i)), key(i), Cell{i % 2 == 0 ? 400 : 50, false, "streamed"}});
    std::sort(rows.begin(), rows.end(), [](const StoredRow& a, const StoredRow& b) {
      return std::tie(a.token, a.key) < std::tie(b.token, b.key);
    });
    REQUIRE(storage->ingest("ks", rows).ok());
    auto removed = storage->remove_range("ks", TokenRange{0, 2'000'000'000'000'000'000});
    REQUIRE(removed.ok());
    REQUIRE(removed->rows > 0);
    whole_ring = digests(*storage, kWholeRing);
    partial = digests(*storage, part);
  }
  auto reopened = Storage::open(dir.path());
  REQUIRE(reopened.ok());
  CHECK(digests(**reopened, kWholeRing) == whole_ring);
  CHECK(digests(**reopened, part) == partial);
  std::uint64_t rows = 0;
  for (const SegmentDigest& digest : whole_ring) rows += digest.rows;
  CHECK(rows > 2000);
}

TEST_CASE("replicas holding the same rows agree, and a changed cell makes exactly its segment differ") {
  const test_support::TempDir dir_a("ringnode_buckets_a_");
  const test_support::TempDir dir_b("ringnode_buckets_b_");
  auto a = open_with_keyspace(dir_a.path());
  auto b = open_with_keyspace(dir_b.path());
  // Written in another order on each replica: the digests do not depend on it.
  for (int i = 0; i < 2000; ++i) REQUIRE(a->apply("ks", key(i), Cell{100, false, "v"}).ok());
  for (int i = 1999; i >= 0; --i) REQUIRE(b->apply("ks", key(i), Cell{100, false, "v"}).ok());
  const TokenRange range{-6'000'000'000'000'000'000, 6'000'000'000'000'000'000};
  CHECK(digests(*a, range) == digests(*b, range));

  // The same timestamp, another value: the cells differ though their versions tie.
  const std::string changed = key(1234);
  REQUIRE(b->apply("ks", changed, Cell{100, false, "w"}).ok());
  const std::vector<SegmentDigest> on_a = digests(*a, range);
  const std::vector<SegmentDigest> on_b = digests(*b, range);
  const std::vector<Segment> segments = ringnode::segments_of(range);
  REQUIRE(on_a.size() == segments.size());
  REQUIRE(on_b.size() == segments.size());
  std::vector<std::size_t> differing;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (on_a[i] != on_b[i]) differing.push_back(i);
  }
  REQUIRE(differing.size() == 1);
  CHECK(segments[differing.front()].range.contains(ringcore::token_for_key(changed)));
}

TEST_CASE("segment digests survive their wire form, and a truncated one is refused") {
  const std::vector<SegmentDigest> sent = {{{1, 2}, 3}, {{~0ULL, 0}, 0}, {{42, 43}, 1ULL << 40}};
  const std::string bytes = ringnode::encode_digests(sent);
  auto received = ringnode::decode_digests(bytes);
  REQUIRE(received.ok());
  CHECK(*received == sent);
  auto truncated = ringnode::decode_digests(std::string_view(bytes).substr(0, bytes.size() - 1));
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().message().find("not a multiple of 24") != std::string::npos);
}
