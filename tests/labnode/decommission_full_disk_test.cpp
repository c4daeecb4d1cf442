// A decommission whose receiver's disk is full, on real ringnode processes on 127.0.92.31..34,
// RF 3, a QUORUM writer running. The receiver's data directory is a tmpfs of the test's own;
// once it holds its share, a file fills the disk but for less than the receiver gains from the
// leaving node (as other data fills a disk). The decommission must fail saying the receiver's
// disk is full and naming it; the leaving node must stay a normal member holding its data; the
// cluster must go on acknowledging writes. Once the file is removed, a decommission run again
// fails saying the receiver must be restarted (its database stopped on the full disk), without
// harming it; once it is restarted, the decommission run again must complete, with every
// acknowledged row readable at QUORUM and on every replica.
// Needs root and mount -t tmpfs: skipped (77) otherwise, except on CI ($CI set), a failure there.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/cluster_checks.h"
#include "support/missing_prerequisite.h"
#include "support/small_disk.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
// About 2.1 MB of rows on every replica: the receiver holds about three quarters and gains about
// a quarter, about 0.5 MB, from the leaving node.
constexpr int kRows = 30000;
// What the filler leaves free: room for the writer's few rows, not for the ranges it gains.
constexpr std::uint64_t kLeftFree = 256 * 1024;

// Writes a file of `bytes` zeros at `path`.
void fill(const std::string& path, std::uint64_t bytes) {
  std::ofstream out(path, std::ios::binary);
  const std::string chunk(1 << 20, '\0');
  for (std::uint64_t left = bytes; left > 0;) {
    const std::uint64_t n = std::min<std::uint64_t>(left, chunk.size());
    out.write(chunk.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
  out.close();
  REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

}  // namespace

TEST_CASE("a decommission whose receiver's disk is full fails saying so, and completes once space is freed") {
  const auto test_started = std::chrono::steady_clock::now();
  TestCluster cluster("leave_full_disk", 31, 4, 8, "127.0.92.");
  constexpr int kReceiver = 2;
  constexpr int kLeaving = 3;
  const SmallDisk disk(cluster.data_directory(kReceiver), 64);
  REQUIRE_MESSAGE(disk.mounted(), "mount -t tmpfs refused");
  const std::vector<std::string> seeded = seed_keyspace(cluster, 4, kKeyspace, kRows);

  Writer writer(cluster, {0, 1}, kKeyspace, "w", 1);
  const std::string filler = cluster.data_directory(kReceiver) + "/filler";
  const std::uint64_t free_before = disk.free_bytes();
  REQUIRE(free_before > kLeftFree);
  fill(filler, free_before - kLeftFree);
  MESSAGE("receiver's disk: " << free_before << " bytes free, " << disk.free_bytes() << " left by the filler");

  const Json failed = cluster.run_operation(kLeaving, "decommission", {{"force", false}}, 120s);
  const std::string error = failed.value("error", "");
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(error.find("the disk is full (no space left on device)") != std::string::npos, error);
  CHECK_MESSAGE(error.find(cluster.address(kReceiver)) != std::string::npos, error);
  MESSAGE("decommission failed: " << error);
  // The leaving node is still a normal member holding its data, and the cluster serves writes.
  CHECK(node_info(cluster, kLeaving)["mode"] == "DECOMMISSION_FAILED");
  CHECK(node_info(cluster, kLeaving)["load_bytes"].get<std::uint64_t>() > 0);
  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);
  CHECK(writes_acknowledged(writer, 100));

  // Space freed. The receiver's database stopped on the full disk: until the receiver restarts,
  // a decommission run again fails saying so, and the receiver stays up (an ingest there used
  // to abort it).
  std::filesystem::remove(filler);
  const Json refused = cluster.run_operation(kLeaving, "decommission", {{"force", false}}, 120s);
  CHECK(refused["state"] == "failed");
  CHECK_MESSAGE(refused.value("error", "").find("restart the node") != std::string::npos, refused.dump());
  CHECK(cluster.api(kReceiver, "GET", "/v1/health").status == 200);
  MESSAGE("retried before the receiver's restart: " << refused.value("error", ""));

  // Restarted, the receiver reopens its database; the decommission run again completes.
  REQUIRE(cluster.process(kReceiver).terminate(30s) == 0);
  cluster.start(kReceiver, false);
  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);
  const Json retried = cluster.run_operation(kLeaving, "decommission", {{"force", false}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  CHECK(node_info(cluster, kLeaving)["mode"] == "DECOMMISSIONED");
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  CHECK(writes_acknowledged(writer, 100));
  writer.stop();

  // Three nodes left at RF 3: every node holds every row.
  const std::vector<std::string> keys = with_acknowledged(seeded, writer);
  REQUIRE(hints_delivered(cluster, {0, 1, 2}));
  check_all_readable(cluster, {0, 1, 2}, kKeyspace, keys);
  check_on_every_replica(cluster, 0, kKeyspace, keys, 3);
  MESSAGE("decommission onto a full disk: " << keys.size() << " acknowledged rows read back, "
                                            << seconds_since(test_started) << " s");
}

int main(int argc, char** argv) {
  if (geteuid() != 0 || !can_mount_tmpfs()) {
    return missing_prerequisite("a full disk needs root and mount -t tmpfs (a data directory on a small tmpfs)");
  }
  doctest::Context context(argc, argv);
  return context.run();
}
