#include "merkle_buckets.h"

#include <algorithm>

#include "big_endian.h"

namespace ringnode {
namespace {

constexpr int kShift = 64 - kBucketBits;
constexpr std::size_t kDigestBytes = 24;

// Flipping the sign bit makes the unsigned order equal the signed token order (storage.cpp
// orders its keys alike).
std::uint64_t ordered(ringcore::Token token) { return static_cast<std::uint64_t>(token) ^ (1ULL << 63); }
ringcore::Token from_ordered(std::uint64_t bits) { return static_cast<ringcore::Token>(bits ^ (1ULL << 63)); }

// The segments of the ordered tokens [low, high] (inclusive), appended in order.
void cut(std::uint64_t low, std::uint64_t high, std::vector<Segment>& out) {
  for (std::uint64_t bucket = low >> kShift;; ++bucket) {
    const std::uint64_t first = bucket << kShift;
    const std::uint64_t last = first | ((1ULL << kShift) - 1);
    const std::uint64_t from = std::max(low, first);
    const std::uint64_t to = std::min(high, last);
    // (from - 1, to]: from - 1 wraps to the ring's last token for the first bucket.
    out.push_back({ringcore::TokenRange{from_ordered(from - 1), from_ordered(to)}, static_cast<std::size_t>(bucket),
                   from == first && to == last});
    if (to == high) return;
  }
}

}  // namespace

std::size_t bucket_of(ringcore::Token token) { return static_cast<std::size_t>(ordered(token) >> kShift); }

ringcore::Murmur3Hash row_digest(std::string_view key, std::int64_t timestamp_us, bool tombstone,
                                 std::string_view value) {
  const ringcore::Murmur3Hash value_hash = ringcore::murmur3_cassandra(value);
  std::string bytes;
  bytes.reserve(4 + key.size() + 8 + 1 + 16);
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((key.size() >> shift) & 0xff));
  bytes.append(key);
  put_u64(bytes, static_cast<std::uint64_t>(timestamp_us));
  bytes.push_back(tombstone ? 1 : 0);
  put_u64(bytes, value_hash.h1);
  put_u64(bytes, value_hash.h2);
  return ringcore::murmur3_cassandra(bytes);
}

std::vector<Segment> segments_of(const ringcore::TokenRange& range) {
  std::vector<Segment> segments;
  const std::uint64_t left = ordered(range.left);
  const std::uint64_t right = ordered(range.right);
  if (!range.wraps()) {
    cut(left + 1, right, segments);  // left < right: no overflow
    return segments;
  }
  // From past the left to the ring's last token, then from its first to the right.
  if (left != ~0ULL) cut(left + 1, ~0ULL, segments);
  cut(0, right, segments);
  return segments;
}

std::string encode_digests(const std::vector<SegmentDigest>& digests) {
  std::string bytes;
  bytes.reserve(digests.size() * kDigestBytes);
  for (const SegmentDigest& digest : digests) {
    put_u64(bytes, digest.hash.h1);
    put_u64(bytes, digest.hash.h2);
    put_u64(bytes, digest.rows);
  }
  return bytes;
}

ringcore::Result<std::vector<SegmentDigest>> decode_digests(std::string_view bytes) {
  if (bytes.size() % kDigestBytes != 0) {
    return ringcore::Error::failed("segment digests: " + std::to_string(bytes.size()) + " bytes, not a multiple of " +
                                   std::to_string(kDigestBytes));
  }
  std::vector<SegmentDigest> digests(bytes.size() / kDigestBytes);
  for (std::size_t i = 0; i < digests.size(); ++i) {
    const std::string_view one = bytes.substr(i * kDigestBytes, kDigestBytes);
    digests[i] = SegmentDigest{{get_u64(one), get_u64(one.substr(8))}, get_u64(one.substr(16))};
  }
  return digests;
}

BucketDigests::BucketDigests() : h1_(kBucketCount), h2_(kBucketCount), rows_(kBucketCount) {}

void BucketDigests::toggle(std::size_t index, const ringcore::Murmur3Hash& row) {
  h1_[index].fetch_xor(row.h1, std::memory_order_relaxed);
  h2_[index].fetch_xor(row.h2, std::memory_order_relaxed);
}

void BucketDigests::add(ringcore::Token token, const ringcore::Murmur3Hash& row) {
  const std::size_t index = bucket_of(token);
  toggle(index, row);
  rows_[index].fetch_add(1, std::memory_order_relaxed);
}

void BucketDigests::remove(ringcore::Token token, const ringcore::Murmur3Hash& row) {
  const std::size_t index = bucket_of(token);
  toggle(index, row);
  rows_[index].fetch_sub(1, std::memory_order_relaxed);
}

SegmentDigest BucketDigests::bucket(std::size_t index) const {
  return SegmentDigest{{h1_[index].load(std::memory_order_relaxed), h2_[index].load(std::memory_order_relaxed)},
                       rows_[index].load(std::memory_order_relaxed)};
}

void BucketDigests::clear() {
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    h1_[i] = 0;
    h2_[i] = 0;
    rows_[i] = 0;
  }
}

}  // namespace ringnode
