#include "ringcore/merkle_tree.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <nlohmann/json.hpp>

#include "ringcore/hex.h"

namespace ringcore {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::size_t kHexPerHash = 32;

void append_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Writes `value` little-endian at `out`.
void put_le(char* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

// h1 then h2, most significant digit first: the layout of value_digest.
void append_hex(std::string& out, const Murmur3Hash& hash) {
  for (std::uint64_t half : {hash.h1, hash.h2}) {
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHexDigits[(half >> shift) & 0xf]);
  }
}

// 16 lowercase hex digits to a number; nullopt on any other character.
std::optional<std::uint64_t> parse_hex64(std::string_view digits) {
  std::uint64_t value = 0;
  for (char c : digits) {
    const int v = hex_digit_value(c, /*lowercase_only=*/true);
    if (v < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(v);
  }
  return value;
}

// A tree node as compared in difference(): its hash and the rows below it.
struct NodeDigest {
  Murmur3Hash hash{0, 0};
  std::uint64_t rows = 0;

  friend bool operator==(const NodeDigest&, const NodeDigest&) = default;
};

NodeDigest parent_of(const NodeDigest& left, const NodeDigest& right) {
  char bytes[48];  // on the stack: this runs once per inner node
  char* out = bytes;
  for (const NodeDigest* child : {&left, &right}) {
    put_le(out, child->hash.h1);
    put_le(out + 8, child->hash.h2);
    put_le(out + 16, child->rows);
    out += 24;
  }
  return {murmur3_cassandra(std::string_view(bytes, sizeof bytes)), left.rows + right.rows};
}

// The whole tree as a heap: node 1 is the root, node k has children 2k and 2k+1, and leaf i is
// node leaf_count + i. Built bottom-up from the leaves.
std::vector<NodeDigest> heap_of(const MerkleTree& tree) {
  const std::size_t n = tree.leaf_count();
  std::vector<NodeDigest> heap(2 * n);
  for (std::size_t i = 0; i < n; ++i) heap[n + i] = {tree.leaf_hash(i), tree.leaf_rows(i)};
  for (std::size_t k = n - 1; k >= 1; --k) heap[k] = parent_of(heap[2 * k], heap[2 * k + 1]);
  return heap;
}

// ---- from_json helpers; messages name the field ----

Error invalid_field(const std::string& field, const std::string& what) {
  return Error::invalid_input("merkle tree: '" + field + "' " + what);
}

Result<const Json*> field(const Json& object, const char* name, bool (Json::*is_type)() const noexcept,
                          const char* expected) {
  auto it = object.find(name);
  if (it == object.end()) return Error::invalid_input(std::string("merkle tree: missing field '") + name + "'");
  if (!((*it).*is_type)()) return invalid_field(name, std::string("must be ") + expected + ", not " + it->type_name());
  return &*it;
}

Result<int> parse_depth(const Json& object) {
  auto depth = field(object, "depth", &Json::is_number_integer, "an integer");
  if (!depth) return depth.error();
  const Json& value = **depth;
  const bool in_range = value.is_number_unsigned()
                            ? value.get<std::uint64_t>() <= kMaxMerkleDepth
                            : value.get<std::int64_t>() >= 0 && value.get<std::int64_t>() <= kMaxMerkleDepth;
  if (!in_range)
    return invalid_field("depth", "must be from 0 to " + std::to_string(kMaxMerkleDepth) + ", not " + value.dump());
  return static_cast<int>(value.get<std::int64_t>());
}

Result<std::vector<Murmur3Hash>> parse_hashes(const Json& object, std::size_t leaves) {
  auto hashes = field(object, "hashes", &Json::is_string, "a string");
  if (!hashes) return hashes.error();
  const std::string& text = (*hashes)->get_ref<const std::string&>();
  if (text.size() != leaves * kHexPerHash) {
    return invalid_field("hashes", "must have " + std::to_string(kHexPerHash) + " hex digits per leaf (" +
                                       std::to_string(leaves * kHexPerHash) + " for " + std::to_string(leaves) +
                                       " leaves), not " + std::to_string(text.size()));
  }
  std::vector<Murmur3Hash> out(leaves);
  const std::string_view all(text);
  for (std::size_t i = 0; i < leaves; ++i) {
    auto h1 = parse_hex64(all.substr(i * kHexPerHash, 16));
    auto h2 = parse_hex64(all.substr(i * kHexPerHash + 16, 16));
    if (!h1 || !h2) return invalid_field("hashes", "leaf " + std::to_string(i) + ": not lowercase hex");
    out[i] = {*h1, *h2};
  }
  return out;
}

Result<std::vector<std::uint64_t>> parse_counts(const Json& object, std::size_t leaves) {
  auto counts = field(object, "counts", &Json::is_array, "an array");
  if (!counts) return counts.error();
  const Json& list = **counts;
  if (list.size() != leaves) {
    return invalid_field(
        "counts", "must have one entry per leaf (" + std::to_string(leaves) + "), not " + std::to_string(list.size()));
  }
  std::vector<std::uint64_t> out(leaves);
  for (std::size_t i = 0; i < leaves; ++i) {
    if (!list[i].is_number_unsigned()) {
      return invalid_field("counts",
                           "[" + std::to_string(i) + "] must be a non-negative integer, not " + list[i].dump());
    }
    out[i] = list[i].get<std::uint64_t>();
  }
  return out;
}

}  // namespace

std::string row_hash(std::string_view key, std::int64_t timestamp_us, bool tombstone, std::string_view value_digest) {
  std::string bytes;
  bytes.reserve(4 + key.size() + 8 + 1 + value_digest.size());
  append_be(bytes, key.size(), 4);
  bytes.append(key);
  append_be(bytes, static_cast<std::uint64_t>(timestamp_us), 8);
  bytes.push_back(tombstone ? '\1' : '\0');
  bytes.append(value_digest);
  std::string hex;
  hex.reserve(kHexPerHash);
  append_hex(hex, murmur3_cassandra(bytes));
  return hex;
}

int merkle_depth_for(std::uint64_t estimated_rows) {
  if (estimated_rows <= 1) return 0;
  return std::min(static_cast<int>(std::bit_width(estimated_rows - 1)), kMaxMerkleDepth);
}

MerkleTree::MerkleTree(TokenRange range, int depth)
    : range_(range),
      depth_(depth),
      hashes_(std::size_t{1} << depth, Murmur3Hash{0, 0}),
      counts_(std::size_t{1} << depth, 0) {
  assert(depth >= 0 && depth <= kMaxMerkleDepth);
}

std::uint64_t MerkleTree::leaf_width() const {
  // The whole ring is 2^64 tokens, one more than a uint64 holds: 2^64 / 2^depth directly.
  if (range_.is_full_ring()) return depth_ == 0 ? 0 : std::uint64_t{1} << (64 - depth_);
  return range_.width() >> depth_;
}

std::size_t MerkleTree::leaf_index(Token token) const {
  const std::size_t last = leaf_count() - 1;
  const std::uint64_t width = leaf_width();
  if (last == 0 || width == 0) return last;
  // Tokens of the range sit at offsets 1..W from the left; the whole ring's left token is at
  // offset 2^64, which wraps to 0, so offset - 1 wraps to 2^64 - 1 and lands in the last leaf.
  const std::uint64_t offset = static_cast<std::uint64_t>(token) - static_cast<std::uint64_t>(range_.left);
  return static_cast<std::size_t>(std::min<std::uint64_t>((offset - 1) / width, last));
}

std::optional<TokenRange> MerkleTree::leaf_range(std::size_t i) const {
  const std::size_t last = leaf_count() - 1;
  if (last == 0) return range_;
  const auto left = static_cast<std::uint64_t>(range_.left);
  const std::uint64_t width = leaf_width();
  const auto lo = static_cast<Token>(left + i * width);
  const Token hi = i == last ? range_.right : static_cast<Token>(left + (i + 1) * width);
  if (lo == hi) return std::nullopt;  // only when width is 0; the last leaf is never empty
  return TokenRange{lo, hi};
}

Status MerkleTree::add(Token token, std::string_view row_hash) {
  if (!range_.contains(token)) {
    return Error::invalid_input("token " + format_token(token) + " is outside the tree's range " +
                                format_range(range_));
  }
  const std::size_t i = leaf_index(token);
  const Murmur3Hash h = murmur3_cassandra(row_hash);
  hashes_[i].h1 ^= h.h1;
  hashes_[i].h2 ^= h.h2;
  ++counts_[i];
  return Ok{};
}

std::uint64_t MerkleTree::row_count() const {
  std::uint64_t rows = 0;
  for (std::uint64_t count : counts_) rows += count;
  return rows;
}

Murmur3Hash MerkleTree::root_hash() const { return heap_of(*this)[1].hash; }

bool operator==(const MerkleTree& a, const MerkleTree& b) {
  return a.range_ == b.range_ && a.depth_ == b.depth_ && a.counts_ == b.counts_ && a.hashes_ == b.hashes_;
}

std::string MerkleTree::to_json() const {
  std::string hashes;
  hashes.reserve(hashes_.size() * kHexPerHash);
  for (const Murmur3Hash& hash : hashes_) append_hex(hashes, hash);
  const Json json = {{"range", format_range(range_)}, {"depth", depth_}, {"hashes", hashes}, {"counts", counts_}};
  return json.dump();
}

Result<MerkleTree> MerkleTree::from_json(std::string_view json_text) {
  const Json json = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Error::invalid_input("merkle tree: not valid JSON");
  if (!json.is_object())
    return Error::invalid_input(std::string("merkle tree: must be an object, not ") + json.type_name());

  auto range_text = field(json, "range", &Json::is_string, "a string");
  if (!range_text) return range_text.error();
  auto range = parse_range((*range_text)->get_ref<const std::string&>());
  if (!range) return range.error().with_context("merkle tree: 'range'");
  auto depth = parse_depth(json);
  if (!depth) return depth.error();

  MerkleTree tree(*range, *depth);
  auto hashes = parse_hashes(json, tree.leaf_count());
  if (!hashes) return hashes.error();
  auto counts = parse_counts(json, tree.leaf_count());
  if (!counts) return counts.error();
  for (std::size_t i = 0; i < tree.leaf_count(); ++i) {
    // An empty leaf has hash 0 by construction; anything else is a corrupt tree.
    if ((*counts)[i] == 0 && (*hashes)[i] != Murmur3Hash{0, 0}) {
      return invalid_field("hashes", "leaf " + std::to_string(i) + " has 0 rows but a non-zero hash");
    }
  }
  tree.hashes_ = std::move(hashes).value();
  tree.counts_ = std::move(counts).value();
  return tree;
}

Result<std::vector<TokenRange>> difference(const MerkleTree& a, const MerkleTree& b) {
  return difference(a, std::span<const MerkleTree>(&b, 1));
}

Result<std::vector<TokenRange>> difference(const MerkleTree& reference, std::span<const MerkleTree> others) {
  std::vector<std::vector<NodeDigest>> other_heaps;
  other_heaps.reserve(others.size());
  for (const MerkleTree& other : others) {
    if (reference.range() != other.range() || reference.depth() != other.depth()) {
      return Error::invalid_input("cannot compare Merkle trees over " + format_range(reference.range()) + " at depth " +
                                  std::to_string(reference.depth()) + " and " + format_range(other.range()) +
                                  " at depth " + std::to_string(other.depth()) + ": range and depth must match");
    }
    other_heaps.push_back(heap_of(other));
  }
  const std::vector<NodeDigest> heap = heap_of(reference);
  const std::size_t n = reference.leaf_count();
  const auto differs = [&](std::size_t k) {
    return std::any_of(other_heaps.begin(), other_heaps.end(), [&](const auto& other) { return other[k] != heap[k]; });
  };

  // Depth-first, left child first, so differing leaves come out in leaf order.
  std::vector<TokenRange> ranges;
  std::vector<std::size_t> stack = {1};
  while (!stack.empty()) {
    const std::size_t k = stack.back();
    stack.pop_back();
    if (!differs(k)) continue;
    if (k < n) {
      stack.push_back(2 * k + 1);
      stack.push_back(2 * k);
      continue;
    }
    // Empty leaves hold no rows in either tree, so a differing leaf always has a range.
    const std::optional<TokenRange> leaf = reference.leaf_range(k - n);
    if (!leaf) continue;
    if (!ranges.empty() && ranges.back().right == leaf->left) {
      ranges.back().right = leaf->right;
    } else {
      ranges.push_back(*leaf);
    }
  }
  return ranges;
}

}  // namespace ringcore
