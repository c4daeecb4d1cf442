// Token buckets: the row digests a node keeps up to date as it writes, so that repair compares
// replicas without reading their rows.
//
// The ring is cut into kBucketCount equal buckets by a token's top kBucketBits bits (in ring
// order, from kMinToken). Storage keeps, per keyspace and bucket, the XOR of row_digest() of
// every stored row whose token falls in it, and the bucket's row count; every write, ingest and
// removal updates them, and opening the storage rebuilds them from its scan. A range is cut
// along bucket boundaries into segments (segments_of): a segment that is a whole bucket is
// answered from the kept digest, the two partial ones at the range's ends by a scan of their
// rows. Two replicas whose segment digests agree hold the same rows there (up to a 128-bit
// Murmur3 collision, which detects change between cooperating replicas, not an adversary); a
// segment that differs is then compared row by row in a Merkle tree of its own (repair.cpp).
//
// Thread-safety: BucketDigests' members may be called from any thread. Updates are atomic per
// word, not per bucket: a reader concurrent with a write may see half of it, as a scan
// concurrent with writes sees some of them; a repair of data being written is approximate.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringcore/error.h"
#include "ringcore/murmur3.h"
#include "ringcore/token.h"

namespace ringnode {

inline constexpr int kBucketBits = 14;
inline constexpr std::size_t kBucketCount = std::size_t{1} << kBucketBits;

// The bucket holding `token`.
std::size_t bucket_of(ringcore::Token token);

// A row version's digest: Murmur3 over the key's length (4 bytes big-endian), the key,
// timestamp_us (8 bytes big-endian), the tombstone flag (1 byte) and the value's Murmur3 (h1
// then h2, 8 bytes big-endian each). Replicas holding the same cell give the same digest.
ringcore::Murmur3Hash row_digest(std::string_view key, std::int64_t timestamp_us, bool tombstone,
                                 std::string_view value);

// The rows of a segment folded together: XOR of their digests, and their count.
struct SegmentDigest {
  ringcore::Murmur3Hash hash{0, 0};
  std::uint64_t rows = 0;
  void add(const ringcore::Murmur3Hash& row) {
    hash.h1 ^= row.h1;
    hash.h2 ^= row.h2;
    ++rows;
  }
  friend bool operator==(const SegmentDigest&, const SegmentDigest&) = default;
};

// A piece of a range inside one bucket; `whole` when it is the entire bucket.
struct Segment {
  ringcore::TokenRange range;
  std::size_t bucket = 0;
  bool whole = false;
};

// `range` ((x, x] is the whole ring) cut at bucket boundaries, in ring order from its left;
// together the segments hold exactly its tokens. Depends on the range only, so every replica
// cuts it alike.
std::vector<Segment> segments_of(const ringcore::TokenRange& range);

// Wire form of a range's segment digests, in segments_of order: 24 bytes per segment, h1, h2
// and rows, each 8 bytes big-endian (about 8 KB for a range of 1/48 of the ring).
std::string encode_digests(const std::vector<SegmentDigest>& digests);
// Errors say what is wrong with `bytes` (not a whole number of segments).
ringcore::Result<std::vector<SegmentDigest>> decode_digests(std::string_view bytes);

// The kept digest of every bucket of one keyspace.
class BucketDigests {
 public:
  BucketDigests();
  void add(ringcore::Token token, const ringcore::Murmur3Hash& row);
  void remove(ringcore::Token token, const ringcore::Murmur3Hash& row);
  SegmentDigest bucket(std::size_t index) const;
  // Every bucket back to empty (before a rebuild).
  void clear();

 private:
  void toggle(std::size_t index, const ringcore::Murmur3Hash& row);
  std::vector<std::atomic<std::uint64_t>> h1_;
  std::vector<std::atomic<std::uint64_t>> h2_;
  std::vector<std::atomic<std::uint64_t>> rows_;
};

}  // namespace ringnode
