// RangeStreamer's groups: the transfers between one source and one target of one keyspace
// stream as one, their ranges in ring order, so that the rows read range after range fill
// files Storage::ingest takes whole. What must hold: every transfer in exactly one group; no
// group whose rows could repeat or go back more than once (the one wrap past the end of the
// ring); and such a group's rows, read in turn, ingest as one file that equals the source.
#include "range_streamer.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "row_stream.h"
#include "storage.h"
#include "support/temp_dir.h"

namespace {

using ringcore::TokenRange;
using ringnode::RangeTransfer;
using ringnode::TransferGroup;

RangeTransfer move(const std::string& source, const std::string& target, const std::string& keyspace,
                   TokenRange range) {
  return {keyspace, range, source, target};
}

std::vector<TokenRange> ranges_of(const TransferGroup& group) {
  std::vector<TokenRange> ranges;
  for (const RangeTransfer* transfer : group) ranges.push_back(transfer->range);
  return ranges;
}

std::size_t transfers_in(const std::vector<TransferGroup>& groups) {
  std::size_t count = 0;
  for (const TransferGroup& group : groups) count += group.size();
  return count;
}

std::unique_ptr<ringnode::Storage> open_with_keyspace(const std::string& path) {
  auto storage = ringnode::Storage::open(path);
  REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
  REQUIRE((*storage)->create_keyspace("ks").ok());
  return std::move(storage).value();
}

std::vector<ringnode::StoredRow> all_rows(const ringnode::Storage& storage) {
  std::vector<ringnode::StoredRow> rows;
  REQUIRE(storage
              .scan("ks", TokenRange{ringcore::kMinToken, ringcore::kMinToken},
                    [&](ringnode::StoredRow&& row) {
                      rows.push_back(std::move(row));
                      return true;
                    })
              .ok());
  return rows;
}

}  // namespace

TEST_CASE("transfers between the same source, target and keyspace form one group in ring order, the wrapping "
          "range last") {
  const std::vector<RangeTransfer> transfers = {
      move("a", "b", "ks", {100, 200}), move("a", "b", "ks", {300, -200}),  move("a", "c", "ks", {0, 100}),
      move("a", "b", "ks", {-50, 0}),   move("a", "b", "other", {0, 100}), move("a", "b", "ks", {0, 100}),
  };
  const std::vector<TransferGroup> groups = ringnode::group_transfers(transfers);
  REQUIRE(groups.size() == 3);
  CHECK(ranges_of(groups[0]) == std::vector<TokenRange>{{-50, 0}, {0, 100}, {100, 200}, {300, -200}});
  CHECK(ranges_of(groups[1]) == std::vector<TokenRange>{{0, 100}});
  CHECK(groups[1].front()->target == "c");
  CHECK(ranges_of(groups[2]) == std::vector<TokenRange>{{0, 100}});
  CHECK(groups[2].front()->keyspace == "other");
}

TEST_CASE("ranges whose rows would overlap or come out of order are streamed in groups of their own") {
  const std::vector<RangeTransfer> transfers = {
      move("a", "b", "ks", {0, 100}),
      move("a", "b", "ks", {50, 150}),    // overlaps (0, 100]
      move("a", "b", "ks", {300, -50}),   // wraps: its [min, -50] would come after (-100, -60]'s rows
      move("a", "b", "ks", {-100, -60}),  //
      move("a", "b", "ks", {7, 7}),       // the whole ring overlaps everything
  };
  const std::vector<TransferGroup> groups = ringnode::group_transfers(transfers);
  REQUIRE(groups.size() == 4);
  CHECK(ranges_of(groups[0]) == std::vector<TokenRange>{{50, 150}});
  CHECK(ranges_of(groups[1]) == std::vector<TokenRange>{{7, 7}});
  CHECK(ranges_of(groups[2]) == std::vector<TokenRange>{{300, -50}});
  CHECK(ranges_of(groups[3]) == std::vector<TokenRange>{{-100, -60}, {0, 100}});
  CHECK(transfers_in(groups) == transfers.size());
}

TEST_CASE("the rows of a group's ranges, read in turn in small pages, are ingested as one file equal to the source") {
  test_support::TempDir dir("ringnode_range_streamer_test_");
  auto source = open_with_keyspace(dir.path() + "/source");
  auto target = open_with_keyspace(dir.path() + "/target");
  for (int i = 0; i < 600; ++i) {
    const std::string key = "key" + std::to_string(i);
    REQUIRE(source->apply("ks", key, ringnode::Cell{i + 1, i % 7 == 0, i % 7 == 0 ? "" : "value" + key}).ok());
  }
  // The whole ring in three ranges, one of them wrapping, given out of order.
  const std::vector<RangeTransfer> transfers = {
      move("s", "t", "ks", {ringcore::kMinToken / 2, 0}),
      move("s", "t", "ks", {ringcore::kMaxToken / 2, ringcore::kMinToken / 2}),
      move("s", "t", "ks", {0, ringcore::kMaxToken / 2}),
  };
  const std::vector<TransferGroup> groups = ringnode::group_transfers(transfers);
  REQUIRE(groups.size() == 1);
  std::vector<ringnode::StoredRow> file;
  for (const RangeTransfer* transfer : groups.front()) {
    std::optional<ringnode::RowCursor> after;
    for (;;) {
      auto page = ringnode::read_page(*source, "ks", transfer->range, after, 1000);
      REQUIRE(page.ok());
      if (!page->rows.empty()) after = ringnode::RowCursor{page->rows.back().token, page->rows.back().key};
      for (ringnode::StoredRow& row : page.value().rows) file.push_back(std::move(row));
      if (page->last) break;
    }
  }
  REQUIRE(file.size() == 600);
  auto ingested = target->ingest("ks", file);
  REQUIRE_MESSAGE(ingested.ok(), (ingested.ok() ? "" : ingested.error().message()));
  CHECK(ingested->stored == 600);
  const std::vector<ringnode::StoredRow> expected = all_rows(*source);
  const std::vector<ringnode::StoredRow> got = all_rows(*target);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].key == expected[i].key);
    CHECK(got[i].cell == expected[i].cell);
  }
  CHECK(target->load_bytes("ks") == source->load_bytes("ks"));
}
