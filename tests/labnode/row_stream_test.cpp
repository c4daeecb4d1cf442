// row_stream.h's encoded pages, streaming's form of a range's rows: what a source sends
// (read_encoded_page) must be the rows read_page gives, in encode_rows' records, resumable
// from its end; what a receiver reads of a body (decode_row_views, encoded_page) must be those
// rows, and a broken body is refused naming the record.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "ringcore/murmur3.h"
#include "row_stream.h"
#include "storage.h"
#include "support/temp_dir.h"

namespace {

using ringnode::Cell;
using ringnode::Storage;

const ringcore::TokenRange kWholeRing{ringcore::kMinToken, ringcore::kMinToken};

std::unique_ptr<Storage> filled(const std::string& path, int rows) {
  auto storage = Storage::open(path);
  REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
  REQUIRE((*storage)->create_keyspace("ks").ok());
  for (int i = 0; i < rows; ++i) {
    const Cell cell{1000 + i, i % 7 == 0, i % 7 == 0 ? "" : std::string(100 + i, 'v')};
    REQUIRE((*storage)->apply("ks", "key" + std::to_string(i), cell).ok());
  }
  return std::move(storage).value();
}

}  // namespace

TEST_CASE("an encoded page holds read_page's rows as encode_rows lays them out, and resumes after its end") {
  const test_support::TempDir dir("row_stream_test_");
  auto storage = filled(dir.path(), 300);
  std::set<std::string> seen;
  int pages = 0;
  for (const ringcore::TokenRange& part : ringnode::split_whole_ring(kWholeRing)) {
    std::optional<ringnode::RowCursor> after;
    for (;;) {
      auto encoded = ringnode::read_encoded_page(*storage, "ks", part, after, 4000);
      auto decoded = ringnode::read_page(*storage, "ks", part, after, 4000);
      REQUIRE(encoded.ok());
      REQUIRE(decoded.ok());
      ++pages;
      CHECK(encoded->body == ringnode::encode_rows(decoded->rows));
      CHECK(encoded->last == decoded->last);
      CHECK(encoded->rows == decoded->rows.size());
      std::uint64_t bytes = 0;
      for (const auto& row : decoded->rows) {
        bytes += ringnode::row_bytes(row.key, row.cell);
        CHECK(seen.insert(row.key).second);  // no row twice
      }
      CHECK(encoded->bytes == bytes);
      if (decoded->rows.empty()) {
        CHECK_FALSE(encoded->end.has_value());
      } else {
        REQUIRE(encoded->end.has_value());
        CHECK(encoded->end->token == decoded->rows.back().token);
        CHECK(encoded->end->key == decoded->rows.back().key);
        after = encoded->end;
      }
      if (encoded->last) break;
    }
  }
  CHECK(seen.size() == 300);
  CHECK(pages > 10);  // pages of about 4 KB: the cursor was exercised
}

TEST_CASE("a received body reads as views of its rows, counted, and last when shorter than asked") {
  const std::vector<ringnode::StoredRow> rows = {
      {ringcore::token_for_key("a"), "a", Cell{5, false, "value"}},
      {ringcore::token_for_key("b"), "b", Cell{6, true, ""}},
  };
  const std::string body = ringnode::encode_rows(rows);
  auto views = ringnode::decode_row_views(body);
  REQUIRE(views.ok());
  REQUIRE(views->size() == 2);
  CHECK((*views)[0].token == rows[0].token);
  CHECK((*views)[1].key == "b");
  CHECK(ringnode::decode_cell((*views)[0].cell).value() == rows[0].cell);
  CHECK(ringnode::decode_cell((*views)[1].cell).value() == rows[1].cell);

  const std::uint64_t bytes = ringnode::row_bytes("a", rows[0].cell) + ringnode::row_bytes("b", rows[1].cell);
  auto short_page = ringnode::encoded_page(body, bytes + 1);
  REQUIRE(short_page.ok());
  CHECK(short_page->rows == 2);
  CHECK(short_page->bytes == bytes);
  CHECK(short_page->last);
  REQUIRE(short_page->end.has_value());
  CHECK(short_page->end->key == "b");
  auto full_page = ringnode::encoded_page(body, bytes);
  REQUIRE(full_page.ok());
  CHECK_FALSE(full_page->last);  // a full page may be followed by more
  auto empty = ringnode::encoded_page("", 100);
  REQUIRE(empty.ok());
  CHECK(empty->rows == 0);
  CHECK(empty->last);
}

TEST_CASE("a body cut short or with a cell under 9 bytes is refused naming the record") {
  const std::string body = ringnode::encode_rows({{ringcore::token_for_key("a"), "a", Cell{5, false, "value"}},
                                                  {ringcore::token_for_key("b"), "b", Cell{6, false, "other"}}});
  auto cut = ringnode::decode_row_views(std::string_view(body).substr(0, body.size() - 3));
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(cut.error().message() == "row stream: record 1: cell runs past the end");

  // Key "k" (length 1), then a cell of length 3.
  const std::string short_cell("\0\0\0\1k\0\0\0\3abc", 12);
  auto refused = ringnode::decode_row_views(short_cell);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message().find("record 0: corrupt cell: 3 bytes, at least 9 expected") != std::string::npos);
  CHECK_FALSE(ringnode::encoded_page(short_cell, 100).ok());
}
