// Storage::ingest, streaming's write: a page of streamed rows stored as one atomic, unlogged write
// of the rows that win, durable once flush_streamed() returns. What must hold: last-write-wins
// against rows written before, during and after the ingest (a row written during the stream is
// never replaced by an older streamed copy); a page is all or nothing; a kill before the flush
// loses the unflushed pages only, never a logged client write; each open has its own instance
// id; the load counter stays the sum of the stored rows.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringruntime/wait.h"
#include "storage.h"
#include "support/ringnode_process.h"
#include "support/temp_dir.h"

namespace {

using ringcore::Token;
using ringnode::Cell;
using ringnode::Storage;
using ringnode::StoredRow;

const ringcore::TokenRange kWholeRing{ringcore::kMinToken, ringcore::kMinToken};

std::unique_ptr<Storage> open_with_keyspace(const std::string& path) {
  auto storage = Storage::open(path);
  REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
  REQUIRE((*storage)->create_keyspace("ks").ok());
  return std::move(storage).value();
}

std::string key(int i) { return "key" + std::to_string(i); }

// Rows for keys [first, last) with `timestamp`, in (token, key) order as a range scan sends them.
std::vector<StoredRow> page(int first, int last, std::int64_t timestamp) {
  std::vector<StoredRow> rows;
  for (int i = first; i < last; ++i) {
    rows.push_back({ringcore::token_for_key(key(i)), key(i), Cell{timestamp, false, "streamed" + std::to_string(i)}});
  }
  std::sort(rows.begin(), rows.end(),
            [](const StoredRow& a, const StoredRow& b) { return std::tie(a.token, a.key) < std::tie(b.token, b.key); });
  return rows;
}

Cell stored(const Storage& storage, const std::string& k) {
  auto cell = storage.get("ks", k);
  REQUIRE(cell.ok());
  REQUIRE_MESSAGE(cell->has_value(), k << " is missing");
  return **cell;
}

// The load as a scan counts it: what the counter must equal.
std::uint64_t scanned_bytes(const Storage& storage) {
  std::uint64_t bytes = 0;
  REQUIRE(storage
              .scan("ks", kWholeRing,
                    [&](const StoredRow& row) {
                      bytes += ringnode::row_bytes(row.key, row.cell);
                      return true;
                    })
              .ok());
  return bytes;
}

std::size_t staged_files(const std::string& directory) {
  const std::filesystem::path staging = std::filesystem::path(directory) / "ingest-staging";
  if (!std::filesystem::exists(staging)) return 0;
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(staging), {}));
}

}  // namespace

TEST_CASE("an ingested page of older cells leaves the newer rows written before it in place") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  // Keys 0..99 were written by clients during the stream: even ones after the streamed copy
  // (timestamp 200), odd ones before it (50). Keys 100..199 only arrive by streaming.
  for (int i = 0; i < 100; ++i) {
    REQUIRE(storage->apply("ks", key(i), Cell{i % 2 == 0 ? 200 : 50, false, "client" + std::to_string(i)}).ok());
  }
  auto ingested = storage->ingest("ks", page(0, 200, 100));
  REQUIRE_MESSAGE(ingested.ok(), (ingested.ok() ? "" : ingested.error().message()));
  CHECK(ingested->rows == 200);
  CHECK(ingested->stored == 150);  // the odd clients' rows and the 100 new ones
  CHECK(ingested->file_bytes > 0);
  for (int i = 0; i < 200; ++i) {
    CAPTURE(i);
    const Cell cell = stored(*storage, key(i));
    if (i < 100 && i % 2 == 0) {
      CHECK(cell == Cell{200, false, "client" + std::to_string(i)});
    } else {
      CHECK(cell == Cell{100, false, "streamed" + std::to_string(i)});
    }
  }
  CHECK(storage->load_bytes("ks") == scanned_bytes(*storage));
  CHECK(staged_files(dir.path()) == 0);  // no file is staged for it

  // Later writes still compare against the ingested cells.
  CHECK_FALSE(*storage->apply("ks", key(101), Cell{99, false, "older"}));
  CHECK(*storage->apply("ks", key(102), Cell{101, false, "newer"}));
  CHECK(stored(*storage, key(102)).value == "newer");

  // The winners survive compaction and a reopen.
  REQUIRE(storage->compact().ok());
  storage.reset();
  auto reopened = Storage::open(dir.path());
  REQUIRE(reopened.ok());
  CHECK(stored(**reopened, key(0)).value == "client0");
  CHECK(stored(**reopened, key(1)).value == "streamed1");
  CHECK(stored(**reopened, key(102)).value == "newer");
  CHECK((*reopened)->load_bytes("ks") == scanned_bytes(**reopened));
}

TEST_CASE("client writes racing ingests of older copies of the same keys are never lost") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  constexpr int kKeys = 2000;
  // The writer gives every key a cell newer than any streamed copy, while the streamer ingests
  // old copies of all keys, page after page, twice over (a retried stream). Whatever the
  // interleaving, each key must end with the writer's cell.
  int failed_writes = 0;  // doctest's assertions belong to the main thread
  std::thread writer([&] {
    for (int i = 0; i < kKeys; ++i)
      failed_writes += storage->apply("ks", key(i), Cell{1000 + i, false, "client"}).ok() ? 0 : 1;
  });
  for (int round = 0; round < 2; ++round) {
    for (int first = 0; first < kKeys; first += 250) REQUIRE(storage->ingest("ks", page(first, first + 250, 1)).ok());
  }
  writer.join();
  REQUIRE(failed_writes == 0);
  for (int i = 0; i < kKeys; ++i) {
    CAPTURE(i);
    CHECK(stored(*storage, key(i)) == Cell{1000 + i, false, "client"});
  }
  CHECK(storage->load_bytes("ks") == scanned_bytes(*storage));
}

TEST_CASE("a newer tombstone written during the stream hides the streamed value") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  REQUIRE(storage->apply("ks", key(3), Cell{500, true, ""}).ok());
  REQUIRE(storage->ingest("ks", page(0, 10, 100)).ok());
  CHECK(stored(*storage, key(3)).tombstone);
  // And an older tombstone loses to the streamed value, as it would to any newer write.
  REQUIRE(storage->apply("ks", key(20), Cell{5, true, ""}).ok());
  REQUIRE(storage->ingest("ks", page(20, 21, 100)).ok());
  CHECK(stored(*storage, key(20)) == Cell{100, false, "streamed20"});
}

TEST_CASE("a page of a range wrapping past the end of the ring is ingested whole") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  std::vector<StoredRow> rows = page(0, 300, 7);
  // Ring order from a left token in the middle: the rows after it, then the wrapped ones.
  const Token left = rows[150].token;
  std::stable_partition(rows.begin(), rows.end(), [&](const StoredRow& row) { return row.token > left; });
  auto ingested = storage->ingest("ks", rows);
  REQUIRE_MESSAGE(ingested.ok(), (ingested.ok() ? "" : ingested.error().message()));
  CHECK(ingested->stored == 300);
  for (int i = 0; i < 300; ++i) CHECK(stored(*storage, key(i)).timestamp_us == 7);
}

TEST_CASE("a partly failed stream leaves no half-ingested file, and streaming it again loses nothing") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  // A stream of three pages: the first ingests, the second is refused (its rows are not in
  // scan order, as from a broken sender), and the stream stops there.
  const std::vector<StoredRow> first = page(0, 100, 10);
  std::vector<StoredRow> broken = page(100, 200, 10);
  std::swap(broken[10], broken[60]);
  std::swap(broken[70], broken[90]);  // two places out of order: no single wrap explains it
  REQUIRE(storage->ingest("ks", first).ok());
  const std::uint64_t load_after_first = storage->load_bytes("ks");
  auto refused = storage->ingest("ks", broken);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(refused.error().message().find("'ks'") != std::string::npos);
  // Nothing of the refused page is visible, the load did not move, no staging file is left.
  for (int i = 100; i < 200; ++i) CHECK_FALSE(storage->get("ks", key(i))->has_value());
  CHECK(storage->load_bytes("ks") == load_after_first);
  CHECK(staged_files(dir.path()) == 0);

  // Clients write meanwhile, newer than the stream, over keys of every page.
  for (int i : {5, 150, 250}) REQUIRE(storage->apply("ks", key(i), Cell{99, false, "client"}).ok());
  // The operation is run again: every page from the start (as a failed bootstrap re-streams).
  REQUIRE(storage->ingest("ks", first).ok());
  REQUIRE(storage->ingest("ks", page(100, 200, 10)).ok());
  REQUIRE(storage->ingest("ks", page(200, 300, 10)).ok());
  for (int i = 0; i < 300; ++i) {
    CAPTURE(i);
    const Cell cell = stored(*storage, key(i));
    CHECK(cell.timestamp_us == (i == 5 || i == 150 || i == 250 ? 99 : 10));
  }
  CHECK(storage->load_bytes("ks") == scanned_bytes(*storage));
}

TEST_CASE("a staging file left by an earlier version's crash is removed when the storage opens") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  { open_with_keyspace(dir.path()); }
  const std::filesystem::path staging = std::filesystem::path(dir.path()) / "ingest-staging";
  std::filesystem::create_directories(staging);
  std::FILE* file = std::fopen((staging / "1.sst").c_str(), "w");
  REQUIRE(file != nullptr);
  std::fclose(file);
  auto reopened = Storage::open(dir.path());
  REQUIRE(reopened.ok());
  CHECK(staged_files(dir.path()) == 0);
}

TEST_CASE("ingesting into an unknown keyspace is not found") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  auto refused = storage->ingest("nope", page(0, 3, 1));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ringcore::ErrorCode::kNotFound);
}

TEST_CASE("ingested pages are lost by a kill before their flush and kept after it, and client writes are logged") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  const std::string first_instance = storage->instance_id();
  CHECK(first_instance.size() == 16);
  // A client write beside the stream: the log keeps it whatever happens to the memtable.
  REQUIRE(storage->apply("ks", "client", Cell{5, false, "logged"}).ok());
  auto ingested = storage->ingest("ks", page(0, 200, 10));
  REQUIRE(ingested.ok());
  CHECK(ingested->instance == first_instance);
  ringnode::Storage::close_as_killed(std::move(storage));

  // Killed before the flush: the unlogged page is gone, the logged client write is there.
  storage = open_with_keyspace(dir.path());
  CHECK(storage->instance_id() != first_instance);
  for (int i = 0; i < 200; ++i) CHECK_FALSE(storage->get("ks", key(i))->has_value());
  CHECK(stored(*storage, "client").value == "logged");
  CHECK(storage->load_bytes("ks") == scanned_bytes(*storage));

  // Streamed again and flushed: the flush answers this open's instance, and a kill keeps it all.
  const std::string second_instance = storage->instance_id();
  REQUIRE(storage->ingest("ks", page(0, 100, 10)).ok());
  REQUIRE(storage->ingest("ks", page(100, 200, 10)).ok());
  auto flushed = storage->flush_streamed("ks");
  REQUIRE_MESSAGE(flushed.ok(), (flushed.ok() ? "" : flushed.error().message()));
  CHECK(*flushed == second_instance);
  ringnode::Storage::close_as_killed(std::move(storage));
  storage = open_with_keyspace(dir.path());
  CHECK(storage->instance_id() != second_instance);
  for (int i = 0; i < 200; ++i) CHECK(stored(*storage, key(i)).timestamp_us == 10);
  CHECK(stored(*storage, "client").value == "logged");
  CHECK(storage->load_bytes("ks") == scanned_bytes(*storage));
}

TEST_CASE("a clean close keeps unflushed ingests, and flushing an unknown keyspace is not found") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  REQUIRE(storage->ingest("ks", page(0, 50, 3)).ok());
  storage.reset();  // a node stopped cleanly (SIGTERM) flushes its memtables
  storage = open_with_keyspace(dir.path());
  for (int i = 0; i < 50; ++i) CHECK(stored(*storage, key(i)).timestamp_us == 3);
  auto refused = storage->flush_streamed("nope");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ringcore::ErrorCode::kNotFound);
}

TEST_CASE("a client write that lost against an unflushed streamed cell is superseded again once the stream reruns") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  REQUIRE(storage->ingest("ks", page(0, 10, 10)).ok());
  // Older than the streamed cell: not stored, on this replica as on every one holding the newer.
  auto applied = storage->apply("ks", key(3), Cell{5, false, "older client write"});
  REQUIRE(applied.ok());
  CHECK_FALSE(*applied);
  ringnode::Storage::close_as_killed(std::move(storage));
  // Killed before the flush: neither cell is here (storage.h, crash cases) ...
  storage = open_with_keyspace(dir.path());
  CHECK_FALSE(storage->get("ks", key(3))->has_value());
  // ... until the stream, run again from its source, brings the newer one back.
  REQUIRE(storage->ingest("ks", page(0, 10, 10)).ok());
  REQUIRE(storage->flush_streamed("ks").ok());
  CHECK(stored(*storage, key(3)).timestamp_us == 10);
}

namespace {

ringnode::KeyspaceCompactionStats keyspace_stats(const Storage& storage) {
  for (ringnode::KeyspaceCompactionStats& stats : storage.compaction_stats()) {
    if (stats.keyspace == "ks") return stats;
  }
  FAIL("no compaction statistics for keyspace ks");
  return {};
}

std::uint64_t level0_files(const Storage& storage) {
  for (const ringnode::LevelStats& level : keyspace_stats(storage).levels) {
    if (level.level == 0) return level.files;
  }
  return 0;
}

}  // namespace

TEST_CASE("a stream's files are compacted once its flush comes, not while its pages arrive") {
  // RocksDB compacts a keyspace from 4 files in level 0; a stream's pages become many such files
  // (one per memtable flush) that would be merged again and again while it runs.
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  for (int i = 0; i < 6; ++i) {
    REQUIRE(storage->ingest("ks", page(i * 100, i * 100 + 100, 10)).ok());
    REQUIRE(storage->flush().ok());  // each page a file in level 0, as a full memtable leaves it
  }
  CHECK(level0_files(*storage) == 6);
  CHECK_FALSE(keyspace_stats(*storage).compaction_pending);

  REQUIRE(storage->flush_streamed("ks").ok());
  CHECK(ringruntime::wait_until([&] { return level0_files(*storage) < 4; }, std::chrono::seconds(30),
                                std::chrono::milliseconds(20)));
  for (int i = 0; i < 600; i += 97) CHECK(stored(*storage, key(i)).value == "streamed" + std::to_string(i));
}

TEST_CASE("client writes alone are compacted from 4 files in level 0 as configured") {
  const test_support::TempDir dir("ringnode_ingest_test_");
  auto storage = open_with_keyspace(dir.path());
  for (int i = 0; i < 6; ++i) {
    for (int k = i * 10; k < i * 10 + 10; ++k) REQUIRE(storage->apply("ks", key(k), Cell{5, false, "client"}).ok());
    REQUIRE(storage->flush().ok());
  }
  CHECK(ringruntime::wait_until([&] { return level0_files(*storage) < 4; }, std::chrono::seconds(30),
                                std::chrono::milliseconds(20)));
}
