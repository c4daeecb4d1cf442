// The node-facts document's pure parts: disk figures with and without disk_capacity_bytes, the
// "capacity" object leaving unknown figures out, and the pending compaction task estimate.
#include "node_facts.h"

#include <doctest/doctest.h>

#include "storage.h"

namespace {

using ringnode::FileSystemSpace;

TEST_CASE("without a configured capacity the disk figures are the file system's") {
  const auto disk = ringnode::disk_figures(FileSystemSpace{1000, 300, 250}, std::nullopt, 42);
  CHECK(*disk.total_bytes == 1000);
  CHECK(*disk.used_bytes == 700);
  CHECK(*disk.free_bytes == 250);
}

TEST_CASE("an unknown file system gives no disk figures, never zeros") {
  const auto disk = ringnode::disk_figures(std::nullopt, std::nullopt, 42);
  CHECK_FALSE(disk.total_bytes.has_value());
  CHECK_FALSE(disk.used_bytes.has_value());
  CHECK_FALSE(disk.free_bytes.has_value());
}

TEST_CASE("disk_capacity_bytes makes the data directory a disk of that size: used is the database's files") {
  const auto disk = ringnode::disk_figures(FileSystemSpace{1000000, 300000, 250000}, 1000, 850);
  CHECK(*disk.total_bytes == 1000);
  CHECK(*disk.used_bytes == 850);
  CHECK(*disk.free_bytes == 150);
  const auto full = ringnode::disk_figures(FileSystemSpace{1000000, 300000, 250000}, 1000, 1200);
  CHECK(*full.used_bytes == 1200);
  CHECK(*full.free_bytes == 0);
  // The cap never reports more than the file system has.
  CHECK(*ringnode::disk_figures(FileSystemSpace{500, 100, 100}, 1000, 10).total_bytes == 500);
  CHECK(*ringnode::disk_figures(std::nullopt, 1000, 10).total_bytes == 1000);
}

TEST_CASE("the capacity object holds the known figures only") {
  ringnode::CapacityFigures figures;
  CHECK(ringnode::capacity_json(figures) == nlohmann::json::object());
  figures.cpus = 8;
  figures.read_latency_p99_seconds = 0.012;
  figures.requests_total = 0;  // known to be zero is not unknown
  const nlohmann::json capacity = ringnode::capacity_json(figures);
  CHECK(capacity == nlohmann::json{{"cpus", 8}, {"read_latency_p99_seconds", 0.012}, {"requests_total", 0}});
}

TEST_CASE("pending compaction tasks: pending bytes over one output file's size, at least 1 while pending") {
  constexpr std::uint64_t kFile = 64 << 20;
  CHECK(ringnode::estimated_pending_compaction_tasks(false, 0, kFile) == 0);
  CHECK(ringnode::estimated_pending_compaction_tasks(true, 0, kFile) == 1);
  CHECK(ringnode::estimated_pending_compaction_tasks(true, 1, kFile) == 1);
  CHECK(ringnode::estimated_pending_compaction_tasks(true, kFile, kFile) == 1);
  CHECK(ringnode::estimated_pending_compaction_tasks(true, kFile + 1, kFile) == 2);
  CHECK(ringnode::estimated_pending_compaction_tasks(false, 10 * kFile, kFile) == 10);
}

}  // namespace
