// Storage on RocksDB: rows ordered by (token, key), range scans, last-write-wins, tombstones,
// and everything (rows, identity, generation) surviving a reopen.
#include "storage.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "node_identity.h"
#include "ringcore/murmur3.h"
#include "support/temp_dir.h"

namespace {

using ringcore::Token;
using ringnode::Cell;
using ringnode::Storage;

std::unique_ptr<Storage> open(const std::string& path) {
  auto storage = Storage::open(path);
  REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
  return std::move(storage).value();
}

Cell value(std::int64_t timestamp, std::string bytes) { return Cell{timestamp, false, std::move(bytes)}; }

std::vector<ringnode::StoredRow> scan(const Storage& storage, const ringcore::TokenRange& range) {
  std::vector<ringnode::StoredRow> rows;
  auto status = storage.scan("ks", range, [&](const ringnode::StoredRow& row) {
    rows.push_back(row);
    return true;
  });
  REQUIRE(status.ok());
  return rows;
}

}  // namespace

TEST_CASE("row keys sort by token first, as signed numbers, then by key") {
  const Token tokens[] = {ringcore::kMinToken, -5, -1, 0, 1, 7, ringcore::kMaxToken};
  for (std::size_t i = 0; i + 1 < std::size(tokens); ++i) {
    CHECK(ringnode::encode_row_key(tokens[i], "zzz") < ringnode::encode_row_key(tokens[i + 1], "a"));
  }
  CHECK(ringnode::encode_row_key(3, "a") < ringnode::encode_row_key(3, "b"));
}

TEST_CASE("cells round-trip through their encoding") {
  for (const Cell& cell :
       {Cell{1, false, "v"}, Cell{-5, true, ""}, Cell{1700000000000000, false, std::string("\0x", 2)}}) {
    auto decoded = ringnode::decode_cell(ringnode::encode_cell(cell));
    REQUIRE(decoded.ok());
    CHECK(*decoded == cell);
  }
  CHECK_FALSE(ringnode::decode_cell("short").ok());
}

TEST_CASE("a full scan returns every row in token order") {
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  REQUIRE(storage->create_keyspace("ks").ok());
  std::vector<std::pair<Token, std::string>> expected;
  for (int i = 0; i < 500; ++i) {
    const std::string key = "key" + std::to_string(i);
    REQUIRE(storage->apply("ks", key, value(1, "v" + std::to_string(i))).ok());
    expected.emplace_back(ringcore::token_for_key(key), key);
  }
  std::sort(expected.begin(), expected.end());
  const auto rows = scan(*storage, {ringcore::kMinToken, ringcore::kMinToken});  // the whole ring, from its origin
  REQUIRE(rows.size() == expected.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].token == expected[i].first);
    CHECK(rows[i].key == expected[i].second);
  }
}

TEST_CASE("a range scan returns exactly the rows with left < token <= right, wrapping past the end") {
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  REQUIRE(storage->create_keyspace("ks").ok());
  std::vector<Token> all;
  for (int i = 0; i < 300; ++i) {
    const std::string key = "k" + std::to_string(i);
    REQUIRE(storage->apply("ks", key, value(1, "x")).ok());
    all.push_back(ringcore::token_for_key(key));
  }
  std::sort(all.begin(), all.end());
  const Token a = all[50], b = all[200];
  const ringcore::TokenRange ranges[] = {{a, b}, {b, a}, {a, a}, {ringcore::kMinToken, b}, {b, ringcore::kMinToken}};
  for (const auto& range : ranges) {
    CAPTURE(ringcore::format_range(range));
    std::vector<Token> expected;
    std::copy_if(all.begin(), all.end(), std::back_inserter(expected), [&](Token t) { return range.contains(t); });
    // Ring order from `left`: the tokens after left first, then the wrapped ones.
    std::stable_partition(expected.begin(), expected.end(), [&](Token t) { return t > range.left; });
    std::vector<Token> got;
    for (const auto& row : scan(*storage, range)) got.push_back(row.token);
    CHECK(got == expected);
  }
}

TEST_CASE("a scan of views hands the same rows as a scan, each cell as stored, and stops when told") {
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  REQUIRE(storage->create_keyspace("ks").ok());
  for (int i = 0; i < 50; ++i) {
    const bool tombstone = i % 5 == 0;
    REQUIRE(
        storage
            ->apply("ks", "k" + std::to_string(i), Cell{100 + i, tombstone, tombstone ? "" : "v" + std::to_string(i)})
            .ok());
  }
  const ringcore::TokenRange wrapping{ringcore::kMaxToken / 3, ringcore::kMinToken / 3};
  const std::vector<ringnode::StoredRow> rows = scan(*storage, wrapping);
  REQUIRE(rows.size() > 5);
  std::size_t at = 0;
  REQUIRE(storage
              ->scan_views("ks", wrapping,
                           [&](Token token, std::string_view key, std::string_view cell) {
                             REQUIRE(at < rows.size());
                             CHECK(token == rows[at].token);
                             CHECK(key == rows[at].key);
                             CHECK(cell == ringnode::encode_cell(rows[at].cell));
                             const ringnode::CellView view = ringnode::view_cell(cell);
                             CHECK(view.timestamp_us == rows[at].cell.timestamp_us);
                             CHECK(view.tombstone == rows[at].cell.tombstone);
                             CHECK(view.value == rows[at].cell.value);
                             ++at;
                             return true;
                           })
              .ok());
  CHECK(at == rows.size());
  std::size_t seen = 0;
  REQUIRE(
      storage->scan_views("ks", wrapping, [&](Token, std::string_view, std::string_view) { return ++seen < 3; }).ok());
  CHECK(seen == 3);
}

TEST_CASE("the newest cell wins whatever order writes arrive in, and a tie goes to the tombstone") {
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  REQUIRE(storage->create_keyspace("ks").ok());
  CHECK(*storage->apply("ks", "k", value(20, "new")));
  CHECK_FALSE(*storage->apply("ks", "k", value(10, "old")));  // older: refused
  CHECK((*storage->get("ks", "k"))->value == "new");
  CHECK(*storage->apply("ks", "k", Cell{20, true, ""}));  // same time: the tombstone wins
  auto cell = *storage->get("ks", "k");
  REQUIRE(cell);
  CHECK(cell->tombstone);
  CHECK_FALSE(*storage->apply("ks", "k", value(20, "zzz")));
  CHECK(*storage->apply("ks", "k", value(21, "back")));
  CHECK((*storage->get("ks", "k"))->value == "back");
}

TEST_CASE("tombstones are kept and visible to scans") {
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  REQUIRE(storage->create_keyspace("ks").ok());
  REQUIRE(storage->apply("ks", "gone", Cell{5, true, ""}).ok());
  const auto rows = scan(*storage, {0, 0});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].cell.tombstone);
}

TEST_CASE("an unknown keyspace is not found") {
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  auto applied = storage->apply("nope", "k", value(1, "v"));
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().code() == ringcore::ErrorCode::kNotFound);
  CHECK(applied.error().message().find("'nope'") != std::string::npos);
}

TEST_CASE("reopening keeps rows, keyspaces, identity, and gives a higher generation") {
  const test_support::TempDir dir("ringnode_storage_test_");
  ringnode::NodeIdentity identity{"3f1c2e8a-5d1b-4c39-9a3e-2b7e0c1d9f01", {-7, 42}};
  std::int64_t first_generation = 0;
  {
    auto storage = open(dir.path());
    CHECK_FALSE(ringnode::load_identity(*storage)->has_value());
    REQUIRE(storage->create_keyspace("ks").ok());
    REQUIRE(storage->apply("ks", "k", value(9, "kept")).ok());
    REQUIRE(ringnode::save_identity(*storage, identity).ok());
    first_generation = *ringnode::next_generation(*storage, 1000);
    CHECK(first_generation == 1000);
  }
  auto storage = open(dir.path());
  CHECK(storage->has_keyspace("ks"));
  CHECK((*storage->get("ks", "k"))->value == "kept");
  auto loaded = ringnode::load_identity(*storage);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  CHECK((*loaded)->host_id == identity.host_id);
  CHECK((*loaded)->tokens == identity.tokens);
  // The clock went backwards: the generation still grows.
  CHECK(*ringnode::next_generation(*storage, 500) == first_generation + 1);
  CHECK(*ringnode::next_generation(*storage, 5000) == 5000);
}

TEST_CASE("load counts the bytes on disk, which grow with the data") {
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  REQUIRE(storage->create_keyspace("ks").ok());
  const std::uint64_t before = storage->load_bytes();
  std::mt19937_64 noise(7);  // incompressible values, so that the bytes on disk follow the data
  for (int i = 0; i < 200; ++i) {
    std::string bytes(1000, '\0');
    for (char& c : bytes) c = static_cast<char>(noise());
    REQUIRE(storage->apply("ks", "k" + std::to_string(i), value(1, bytes)).ok());
  }
  REQUIRE(storage->flush().ok());
  CHECK(storage->load_bytes() > before + 100000);
  auto stats = storage->compaction_stats();
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].keyspace == "ks");
  CHECK(stats[0].sst_bytes > 0);
}

TEST_CASE("random host ids are version 4 UUIDs and differ") {
  ringcore::SplitMix64 random(1);
  const std::string a = ringnode::random_uuid(random);
  const std::string b = ringnode::random_uuid(random);
  CHECK(a != b);
  REQUIRE(a.size() == 36);
  CHECK(a[14] == '4');
  CHECK(std::string("89ab").find(a[19]) != std::string::npos);
}

TEST_CASE("cleanup's measure: removing every row and compacting leaves less on disk than before") {
  // The write-ahead log counts on disk; it is freed only once every column family, the local
  // values' included, has been flushed. cleanup reported "after > before" when it was not.
  const test_support::TempDir dir("ringnode_storage_test_");
  auto storage = open(dir.path());
  REQUIRE(storage->create_keyspace("ks").ok());
  REQUIRE(storage->put_local("local:example", "kept in the default column family").ok());
  std::mt19937_64 noise(11);
  for (int i = 0; i < 300; ++i) {
    std::string bytes(1000, '\0');
    for (char& c : bytes) c = static_cast<char>(noise());
    REQUIRE(storage->apply("ks", "k" + std::to_string(i), value(1, bytes)).ok());
  }
  const std::uint64_t before = storage->disk_bytes();
  REQUIRE(before > 300000);
  auto removed = storage->remove_range("ks", ringcore::TokenRange{ringcore::kMinToken, ringcore::kMinToken});
  REQUIRE(removed.ok());
  CHECK(removed->rows == 300);
  REQUIRE(storage->compact().ok());
  CHECK(storage->disk_bytes() < before / 2);
  CHECK(storage->get_local("local:example")->value_or("") == "kept in the default column family");
}
