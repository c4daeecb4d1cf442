#include "ringcore/merkle_tree.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using ringcore::difference;
using ringcore::kMaxToken;
using ringcore::kMinToken;
using ringcore::MerkleTree;
using ringcore::Token;
using ringcore::TokenRange;

namespace {

struct Row {
  Token token;
  std::string key;
  std::int64_t timestamp_us;
  bool tombstone;
  std::string value;
};

std::string hash_of(const Row& row) {
  return ringcore::row_hash(row.key, row.timestamp_us, row.tombstone, ringcore::value_digest(row.value));
}

MerkleTree tree_of(TokenRange range, int depth, const std::vector<Row>& rows) {
  MerkleTree tree(range, depth);
  for (const Row& row : rows) REQUIRE(tree.add(row.token, hash_of(row)).ok());
  return tree;
}

// `count` rows with distinct keys whose tokens fall in `range`.
std::vector<Row> rows_in(TokenRange range, std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Row> rows;
  for (std::size_t i = 0; rows.size() < count; ++i) {
    std::string key = "key-" + std::to_string(seed) + "-" + std::to_string(i);
    const Token token = ringcore::token_for_key(key);
    if (!range.contains(token)) continue;
    rows.push_back({token, key, static_cast<std::int64_t>(rng() >> 20), false, "value-" + std::to_string(rng())});
  }
  return rows;
}

std::vector<TokenRange> diff(const MerkleTree& a, const MerkleTree& b) {
  auto ranges = difference(a, b);
  REQUIRE(ranges.ok());
  return *ranges;
}

TokenRange leaf_of(const MerkleTree& tree, Token token) { return tree.leaf_range(tree.leaf_index(token)).value(); }

std::uint64_t u(Token t) { return static_cast<std::uint64_t>(t); }

// Checks the Split contract of merkle_tree.h for (range, depth) from first principles: the
// non-empty leaves chain from the range's left to its right, every leaf but the last is
// floor(W / 2^depth) wide, and tokens map to the leaf that contains them.
void check_split(TokenRange range, int depth, std::mt19937_64& rng) {
  CAPTURE(ringcore::format_range(range));
  CAPTURE(depth);
  const MerkleTree tree(range, depth);
  const std::size_t n = std::size_t{1} << depth;
  REQUIRE(tree.leaf_count() == n);
  // W / n; for the whole ring W = 2^64, so W / n = 2^(64 - depth) (and depth 0 has one leaf).
  const std::uint64_t width =
      range.is_full_ring() ? (depth == 0 ? 0 : std::uint64_t{1} << (64 - depth)) : range.width() / n;

  // Plain loops with one CHECK each: a 2^20-leaf tree would otherwise make millions of asserts.
  Token next_left = range.left;
  std::uint64_t covered = 0;
  std::size_t non_empty = 0;
  std::size_t first_bad = n;
  for (std::size_t i = 0; i < n; ++i) {
    const auto leaf = tree.leaf_range(i);
    const bool ok = leaf ? leaf->left == next_left && (i + 1 == n || leaf->width() == width) : width == 0 && i + 1 < n;
    if (!ok && first_bad == n) first_bad = i;
    if (!leaf) continue;
    ++non_empty;
    covered += leaf->width();
    next_left = leaf->right;
  }
  CHECK(first_bad == n);
  CHECK(next_left == range.right);
  CHECK(covered == range.width());  // both wrap to 0 for the whole ring
  CHECK(non_empty == (width == 0 ? 1 : n));

  // Tokens at leaf edges (every leaf's for small trees, some for large), one either side of
  // them, and at random offsets.
  std::vector<Token> probes = {static_cast<Token>(u(range.left) + 1), range.right,
                               static_cast<Token>(u(range.right) - 1)};
  for (std::size_t i = 0; i < n; i += n <= 1024 ? 1 : 1 + rng() % 2048) {
    if (auto leaf = tree.leaf_range(i)) {
      probes.push_back(leaf->right);
      probes.push_back(static_cast<Token>(u(leaf->right) + 1));
      probes.push_back(static_cast<Token>(u(leaf->left) + 1));
    }
  }
  for (int i = 0; i < 64; ++i) probes.push_back(static_cast<Token>(rng()));
  std::vector<Token> misplaced;
  for (Token token : probes) {
    if (!range.contains(token)) continue;
    const std::size_t index = tree.leaf_index(token);
    const auto leaf = tree.leaf_range(index);
    bool ok = leaf && leaf->contains(token);
    for (std::size_t other : {index - 1, index + 1}) {
      if (other < n && tree.leaf_range(other) && tree.leaf_range(other)->contains(token)) ok = false;
    }
    if (!ok) misplaced.push_back(token);
  }
  CHECK(misplaced.empty());
}

}  // namespace

TEST_CASE("row_hash is 32 hex digits that change with every part of the row") {
  const std::string base = ringcore::row_hash("k", 100, false, ringcore::value_digest("v"));
  CHECK(base.size() == 32);
  CHECK(base.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(base == ringcore::row_hash("k", 100, false, ringcore::value_digest("v")));
  CHECK(base != ringcore::row_hash("k2", 100, false, ringcore::value_digest("v")));
  CHECK(base != ringcore::row_hash("k", 101, false, ringcore::value_digest("v")));
  CHECK(base != ringcore::row_hash("k", 100, true, ringcore::value_digest("v")));
  CHECK(base != ringcore::row_hash("k", 100, false, ringcore::value_digest("w")));
  // The key's length is part of the hash, so key and digest cannot trade bytes.
  CHECK(ringcore::row_hash("ab", 1, false, "c") != ringcore::row_hash("a", 1, false, "bc"));
}

TEST_CASE("merkle_depth_for gives about one row per leaf, within 0..20") {
  CHECK(ringcore::merkle_depth_for(0) == 0);
  CHECK(ringcore::merkle_depth_for(1) == 0);
  CHECK(ringcore::merkle_depth_for(2) == 1);
  CHECK(ringcore::merkle_depth_for(3) == 2);
  CHECK(ringcore::merkle_depth_for(1024) == 10);
  CHECK(ringcore::merkle_depth_for(1025) == 11);
  CHECK(ringcore::merkle_depth_for(std::uint64_t{1} << 40) == ringcore::kMaxMerkleDepth);
}

TEST_CASE("leaves split a range into equal widths, the last taking the remainder") {
  const MerkleTree tree(TokenRange{0, 100}, 2);
  CHECK(tree.leaf_range(0) == TokenRange{0, 25});
  CHECK(tree.leaf_range(1) == TokenRange{25, 50});
  CHECK(tree.leaf_range(2) == TokenRange{50, 75});
  CHECK(tree.leaf_range(3) == TokenRange{75, 100});

  const MerkleTree uneven(TokenRange{0, 10}, 2);
  CHECK(uneven.leaf_range(0) == TokenRange{0, 2});
  CHECK(uneven.leaf_range(2) == TokenRange{4, 6});
  CHECK(uneven.leaf_range(3) == TokenRange{6, 10});
}

TEST_CASE("a range narrower than its leaf count has empty leaves and one leaf holding it all") {
  const MerkleTree tree(TokenRange{0, 3}, 3);
  for (std::size_t i = 0; i + 1 < tree.leaf_count(); ++i) CHECK_FALSE(tree.leaf_range(i).has_value());
  CHECK(tree.leaf_range(7) == TokenRange{0, 3});
  CHECK(tree.leaf_index(1) == 7);
  CHECK(tree.leaf_index(3) == 7);
}

TEST_CASE("the whole ring splits from its left token all the way round") {
  const MerkleTree tree(TokenRange{kMinToken, kMinToken}, 1);
  CHECK(tree.leaf_range(0) == TokenRange{kMinToken, 0});
  CHECK(tree.leaf_range(1) == TokenRange{0, kMinToken});
  CHECK(tree.leaf_index(kMinToken) == 1);
  CHECK(tree.leaf_index(kMinToken + 1) == 0);
  CHECK(tree.leaf_index(0) == 0);
  CHECK(tree.leaf_index(1) == 1);

  const MerkleTree single(TokenRange{5, 5}, 0);
  CHECK(single.leaf_range(0) == TokenRange{5, 5});
}

TEST_CASE("leaf ranges cover every range exactly, with no gap or overlap") {
  std::mt19937_64 rng(42);
  const std::vector<TokenRange> fixed = {{kMinToken, kMinToken},
                                         {0, 0},
                                         {123, 123},
                                         {kMinToken, kMaxToken},
                                         {kMaxToken, kMinToken},
                                         {kMaxToken - 5, kMinToken + 5},
                                         {-1, 0},
                                         {0, 1},
                                         {10, 17},
                                         {kMaxToken - 1000, kMinToken + 1000},
                                         {0, 1 << 20},
                                         {0, (1 << 20) - 1},
                                         {0, (1 << 20) + 1},
                                         {5, 4}};
  for (const TokenRange& range : fixed) {
    for (int depth : {0, 1, 2, 3, 7, 15, ringcore::kMaxMerkleDepth}) {
      if (depth > 10 && !range.is_full_ring() && range.width() < 100) continue;  // covered by smaller depths
      check_split(range, depth, rng);
    }
  }
  for (int i = 0; i < 200; ++i) {
    const auto left = static_cast<Token>(rng());
    // Widths from a few tokens to most of the ring.
    const std::uint64_t width = rng() >> (rng() % 64);
    const TokenRange range{left, static_cast<Token>(u(left) + std::max<std::uint64_t>(width, 1))};
    check_split(range, static_cast<int>(rng() % 11), rng);
  }
}

TEST_CASE("identical row sets give no difference, whatever the order rows were added in") {
  const TokenRange range{-1000000000000000000, 4000000000000000000};
  std::vector<Row> rows = rows_in(range, 2000, 1);
  const MerkleTree a = tree_of(range, 8, rows);
  std::reverse(rows.begin(), rows.end());
  const MerkleTree b = tree_of(range, 8, rows);
  CHECK(diff(a, b).empty());
  CHECK(a == b);
  CHECK(a.root_hash().h1 == b.root_hash().h1);
  CHECK(a.root_hash().h2 == b.root_hash().h2);
  CHECK(a.row_count() == 2000);
}

TEST_CASE("one changed, missing or extra row gives exactly the leaf range holding its token") {
  const TokenRange range{-1000000000000000000, 4000000000000000000};
  const std::vector<Row> rows = rows_in(range, 2000, 2);
  const MerkleTree base = tree_of(range, 10, rows);
  const Row& victim = rows[700];
  const std::vector<TokenRange> expected = {leaf_of(base, victim.token)};

  SUBCASE("a newer timestamp") {
    std::vector<Row> changed = rows;
    changed[700].timestamp_us += 1;
    CHECK(diff(base, tree_of(range, 10, changed)) == expected);
  }
  SUBCASE("a tombstone") {
    std::vector<Row> changed = rows;
    changed[700].tombstone = true;
    changed[700].value.clear();
    CHECK(diff(base, tree_of(range, 10, changed)) == expected);
  }
  SUBCASE("a different value") {
    std::vector<Row> changed = rows;
    changed[700].value += "!";
    CHECK(diff(base, tree_of(range, 10, changed)) == expected);
  }
  SUBCASE("missing") {
    std::vector<Row> fewer = rows;
    fewer.erase(fewer.begin() + 700);
    CHECK(diff(base, tree_of(range, 10, fewer)) == expected);
    CHECK(diff(tree_of(range, 10, fewer), base) == expected);
  }
  SUBCASE("extra") {
    std::vector<Row> more = rows;
    const Row extra = rows_in(range, 1, 99).front();
    more.push_back(extra);
    CHECK(diff(base, tree_of(range, 10, more)) == std::vector<TokenRange>{leaf_of(base, extra.token)});
  }
}

TEST_CASE("differing leaves that touch are merged, others stay apart") {
  const TokenRange range{0, 800};
  MerkleTree a(range, 3);  // leaves of 100 tokens
  MerkleTree b(range, 3);
  for (Token token : {150, 250, 650}) REQUIRE(b.add(token, "row" + std::to_string(token)).ok());
  CHECK(diff(a, b) == std::vector<TokenRange>{{100, 300}, {600, 700}});

  for (Token token : {50, 350, 450, 550, 750}) REQUIRE(b.add(token, "row").ok());
  CHECK(diff(a, b) == std::vector<TokenRange>{range});
}

TEST_CASE("several replicas: the leaves where any differs from the reference, merged the same way") {
  const TokenRange range{0, 800};
  const MerkleTree reference(range, 3);  // leaves of 100 tokens
  std::vector<MerkleTree> others(3, MerkleTree(range, 3));
  REQUIRE(others[0].add(150, "row").ok());
  REQUIRE(others[1].add(250, "row").ok());  // touches others[0]'s leaf: merged with it
  REQUIRE(others[2].add(650, "row").ok());
  auto ranges = difference(reference, others);
  REQUIRE(ranges.ok());
  CHECK(*ranges == std::vector<TokenRange>{{100, 300}, {600, 700}});

  auto none = difference(reference, std::vector<MerkleTree>(2, reference));
  REQUIRE(none.ok());
  CHECK(none->empty());

  others.push_back(MerkleTree(range, 4));
  const auto mismatched = difference(reference, others);
  REQUIRE_FALSE(mismatched.ok());
  CHECK(mismatched.error().message().find("depth 4") != std::string::npos);
}

TEST_CASE("difference on a wrapping range and on the whole ring") {
  SUBCASE("wrapping") {
    const TokenRange range{kMaxToken - 4000000000000000000, kMinToken + 3000000000000000000};
    const std::vector<Row> rows = rows_in(range, 1000, 3);
    const MerkleTree base = tree_of(range, 6, rows);
    for (std::size_t victim : {std::size_t{0}, std::size_t{500}, std::size_t{999}}) {
      std::vector<Row> fewer = rows;
      fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(victim));
      CHECK(diff(base, tree_of(range, 6, fewer)) == std::vector<TokenRange>{leaf_of(base, rows[victim].token)});
    }
    // All leaves differing: the merged range is the tree's, across the end of the ring.
    CHECK(diff(base, MerkleTree(range, 6)) == std::vector<TokenRange>{range});
  }
  SUBCASE("whole ring, including the row on the ring's origin") {
    const TokenRange ring{kMinToken, kMinToken};
    const std::vector<Row> rows = rows_in(ring, 1000, 4);
    const MerkleTree base = tree_of(ring, 5, rows);
    MerkleTree extra = base;
    REQUIRE(extra.add(kMinToken, "origin row").ok());
    // The last of 32 leaves starts 31/32 of the ring after kMinToken = -16 * 2^59.
    CHECK(diff(base, extra) == std::vector<TokenRange>{{Token{15} << 59, kMinToken}});
    CHECK(diff(base, MerkleTree(ring, 5)) == std::vector<TokenRange>{ring});
  }
}

TEST_CASE("add refuses a token outside the range and leaves the tree unchanged") {
  MerkleTree tree(TokenRange{0, 100}, 2);
  const MerkleTree before = tree;
  for (Token token : {Token{0}, Token{101}, Token{-5}}) {
    const ringcore::Status status = tree.add(token, "row");
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().code() == ringcore::ErrorCode::kInvalidInput);
    CHECK(status.error().message().find(std::to_string(token)) != std::string::npos);
    CHECK(status.error().message().find("(0,100]") != std::string::npos);
  }
  CHECK(tree == before);
}

TEST_CASE("difference refuses trees over different ranges or depths") {
  const MerkleTree a(TokenRange{0, 100}, 2);
  CHECK_FALSE(difference(a, MerkleTree(TokenRange{0, 101}, 2)).ok());
  const auto other_depth = difference(a, MerkleTree(TokenRange{0, 100}, 3));
  REQUIRE_FALSE(other_depth.ok());
  CHECK(other_depth.error().message().find("depth") != std::string::npos);
}

TEST_CASE("JSON round trip keeps range, depth, hashes and counts") {
  const TokenRange range{kMaxToken - 4000000000000000000, kMinToken + 3000000000000000000};
  const MerkleTree tree = tree_of(range, 7, rows_in(range, 500, 5));
  const auto parsed = MerkleTree::from_json(tree.to_json());
  REQUIRE(parsed.ok());
  CHECK(*parsed == tree);
  CHECK(diff(*parsed, tree).empty());

  const auto empty = MerkleTree::from_json(MerkleTree(TokenRange{3, 3}, 0).to_json());
  REQUIRE(empty.ok());
  CHECK(*empty == MerkleTree(TokenRange{3, 3}, 0));
}

TEST_CASE("a 2^15-leaf tree serialises in about 35 bytes per leaf") {
  const TokenRange ring{kMinToken, kMinToken};
  const MerkleTree tree = tree_of(ring, 15, rows_in(ring, 100000, 6));
  const std::string json = tree.to_json();
  MESSAGE("2^15 leaves, 100000 rows: " << json.size() << " bytes of JSON");
  CHECK(json.size() < (std::size_t{1} << 15) * 40);
}

TEST_CASE("malformed tree JSON is refused, naming the field") {
  const std::string hashes_1 = std::string(32, '0');
  const std::string good_depth0 = R"({"range":"(0,100]","depth":0,"hashes":")" + hashes_1 + R"(","counts":[0]})";
  REQUIRE(MerkleTree::from_json(good_depth0).ok());

  struct Case {
    std::string json;
    std::string names;
  };
  const std::vector<Case> cases = {
      {"{", "not valid JSON"},
      {"[]", "must be an object"},
      {R"({"depth":0,"hashes":")" + hashes_1 + R"(","counts":[0]})", "'range'"},
      {R"({"range":"0-100","depth":0,"hashes":")" + hashes_1 + R"(","counts":[0]})", "'range'"},
      {R"({"range":5,"depth":0,"hashes":")" + hashes_1 + R"(","counts":[0]})", "'range'"},
      {R"({"range":"(0,100]","hashes":")" + hashes_1 + R"(","counts":[0]})", "'depth'"},
      {R"({"range":"(0,100]","depth":21,"hashes":")" + hashes_1 + R"(","counts":[0]})", "'depth'"},
      {R"({"range":"(0,100]","depth":-1,"hashes":")" + hashes_1 + R"(","counts":[0]})", "'depth'"},
      {R"({"range":"(0,100]","depth":1.5,"hashes":")" + hashes_1 + R"(","counts":[0]})", "'depth'"},
      {R"({"range":"(0,100]","depth":1,"hashes":")" + hashes_1 + R"(","counts":[0,0]})", "'hashes'"},
      {R"({"range":"(0,100]","depth":0,"hashes":")" + std::string(31, '0') + R"(X","counts":[1]})", "'hashes'"},
      {R"({"range":"(0,100]","depth":0,"hashes":")" + std::string(31, '0') + R"(A","counts":[1]})", "'hashes'"},
      {R"({"range":"(0,100]","depth":0,"hashes":")" + std::string(31, '0') + R"(1","counts":[0]})", "leaf 0"},
      {R"({"range":"(0,100]","depth":0,"hashes":")" + hashes_1 + R"("})", "'counts'"},
      {R"({"range":"(0,100]","depth":0,"hashes":")" + hashes_1 + R"(","counts":[0,0]})", "'counts'"},
      {R"({"range":"(0,100]","depth":0,"hashes":")" + hashes_1 + R"(","counts":[-1]})", "'counts'"},
      {R"({"range":"(0,100]","depth":0,"hashes":")" + hashes_1 + R"(","counts":["0"]})", "'counts'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.json);
    const auto parsed = MerkleTree::from_json(c.json);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code() == ringcore::ErrorCode::kInvalidInput);
    CHECK(parsed.error().message().find(c.names) != std::string::npos);
  }
}
