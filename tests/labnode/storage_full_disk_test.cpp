// Storage on a disk that fills up: its data directory on a small tmpfs of the test's own, written
// to by several streamed ingests (each page flushed) and a client at once (as a joining node's four stream workers
// and the coordinator's writes do) until the disk is full. What must hold: every write that fails
// says the disk is full in an operator's words, with RocksDB's reason; nothing aborts the process
// (RocksDB 7.8 asserts when its log writer is used again after a failed write: a sync of the log
// racing a failed ingest did, and the joining node exited); every write acknowledged before the
// disk filled is there after a restart; and once space is freed, a restart makes the storage
// writable again.
// Needs root and mount -t tmpfs: skipped (77) otherwise, except on CI ($CI set), a failure there.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ringcore/murmur3.h"
#include "storage.h"
#include "support/missing_prerequisite.h"
#include "support/small_disk.h"
#include "support/temp_dir.h"

namespace {

using ringnode::Cell;
using ringnode::Storage;
using ringnode::StoredRow;

constexpr int kIngesters = 4;
constexpr int kRowsPerPage = 100;
const std::string kValue(2000, 'v');

std::unique_ptr<Storage> open_storage(const std::string& path) {
  auto storage = Storage::open(path);
  REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
  REQUIRE((*storage)->create_keyspace("ks").ok());
  return std::move(storage).value();
}

// A page of rows "<prefix>-<first>" .. in (token, key) order, as a range scan sends them.
std::vector<StoredRow> page(const std::string& prefix, int first) {
  std::vector<StoredRow> rows;
  for (int i = first; i < first + kRowsPerPage; ++i) {
    const std::string key = prefix + "-" + std::to_string(i);
    rows.push_back({ringcore::token_for_key(key), key, Cell{1, false, kValue}});
  }
  std::sort(rows.begin(), rows.end(),
            [](const StoredRow& a, const StoredRow& b) { return std::tie(a.token, a.key) < std::tie(b.token, b.key); });
  return rows;
}

// What the writers saw: the keys acknowledged, and each failure's message.
struct Outcome {
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::string> failures;
};

// Writes until the first failure, as a stream worker stops at its first error. An ingested page
// is unlogged (storage.h): its rows count as acknowledged once a flush after it returned, as a
// stream counts a range received only after its target's flush.
void ingest_until_full(Storage& storage, const std::string& prefix, Outcome& outcome) {
  for (int first = 0;; first += kRowsPerPage) {
    const std::vector<StoredRow> rows = page(prefix, first);
    ringcore::Status written = ringcore::Ok{};
    if (auto ingested = storage.ingest("ks", rows); !ingested) written = ingested.error();
    if (written) {
      if (auto flushed = storage.flush_streamed("ks"); !flushed) written = flushed.error();
    }
    std::lock_guard lock(outcome.mutex);
    if (!written) {
      outcome.failures.push_back(written.error().message());
      return;
    }
    for (const StoredRow& row : rows) outcome.acknowledged.push_back(row.key);
  }
}

void write_until_full(Storage& storage, Outcome& outcome) {
  for (int i = 0;; ++i) {
    const std::string key = "client-" + std::to_string(i);
    auto applied = storage.apply("ks", key, Cell{1, false, kValue});
    std::lock_guard lock(outcome.mutex);
    if (!applied) {
      outcome.failures.push_back(applied.error().message());
      return;
    }
    outcome.acknowledged.push_back(key);
  }
}

}  // namespace

TEST_CASE("ingests and client writes filling the disk at once fail saying so, and lose nothing acknowledged") {
  const test_support::TempDir dir("ringnode_full_disk_test_");
  test_support::SmallDisk disk(dir.path() + "/data", 4);
  REQUIRE_MESSAGE(disk.mounted(), "mount -t tmpfs refused");
  auto storage = open_storage(dir.path() + "/data");

  Outcome outcome;
  {
    std::vector<std::jthread> writers;
    for (int i = 0; i < kIngesters; ++i)
      writers.emplace_back([&, i] { ingest_until_full(*storage, "stream" + std::to_string(i), outcome); });
    writers.emplace_back([&] { write_until_full(*storage, outcome); });
  }
  MESSAGE(outcome.acknowledged.size() << " rows acknowledged before the disk filled; first failure: "
                                      << outcome.failures.front());
  REQUIRE(outcome.failures.size() == kIngesters + 1);
  CHECK(outcome.acknowledged.size() > 500);  // the disk filled with rows, not at the first page
  for (const std::string& failure : outcome.failures) {
    CHECK_MESSAGE(failure.find("the disk is full (no space left on device)") != std::string::npos, failure);
    CHECK_MESSAGE(failure.find("No space left on device") != std::string::npos, failure);
  }

  // Space freed: the database stopped on the full disk, and ingests and flushes say to restart
  // the node.
  REQUIRE(disk.grow(64));
  auto refused = storage->ingest("ks", page("after", 0));
  REQUIRE_FALSE(refused.ok());
  CHECK_MESSAGE(refused.error().message().find("restart the node") != std::string::npos, refused.error().message());
  auto unflushed = storage->flush_streamed("ks");
  REQUIRE_FALSE(unflushed.ok());
  CHECK_MESSAGE(unflushed.error().message().find("restart the node") != std::string::npos, unflushed.error().message());

  // Restarted (closed and opened again): every acknowledged row is there, and it takes writes.
  storage.reset();
  storage = open_storage(dir.path() + "/data");
  std::size_t missing = 0;
  for (const std::string& key : outcome.acknowledged) {
    auto cell = storage->get("ks", key);
    REQUIRE(cell.ok());
    if (!cell->has_value() || (*cell)->value != kValue) ++missing;
  }
  CHECK(missing == 0);
  auto ingested = storage->ingest("ks", page("after", 0));
  CHECK_MESSAGE(ingested.ok(), (ingested.ok() ? "" : ingested.error().message()));
  CHECK(storage->apply("ks", "client-after", Cell{1, false, kValue}).ok());
}

int main(int argc, char** argv) {
  if (geteuid() != 0 || !test_support::can_mount_tmpfs()) {
    return test_support::missing_prerequisite("a full disk needs root and mount -t tmpfs (a small tmpfs)");
  }
  doctest::Context context(argc, argv);
  return context.run();
}
