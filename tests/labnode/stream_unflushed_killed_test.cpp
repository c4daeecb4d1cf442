// A joining node SIGKILLed after its stream's pages were ingested and answered, before the flush
// that makes them durable (storage.h: streamed pages skip the write-ahead log), on a cluster of
// real ringnode processes (127.0.76.1..4), a QUORUM writer running throughout through node 1
// (0-based 0). The node is held there by its test hook (labnode/test_hold.h, phase
// "stream_unflushed"), never by sleeping. What must hold: the kill loses streamed rows (the load
// its storage counts at the next open is below what it held: they were in the memtable only);
// nothing recorded the join done, so restarted it joins again from the start and ends NORMAL;
// and then every acknowledged row (seeded and the writer's) reads back at QUORUM and is on all 3
// of its replicas, the joined node among them for its ranges.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage.h"
#include "support/cluster_checks.h"
#include "support/phase_holds.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
constexpr int kFirstNodes = 3;
constexpr int kJoining = 3;  // the fourth node
constexpr int kSeededRows = 1200;
constexpr std::size_t kValueBytes = 1000;  // about 1.3 MB: below one memtable, so nothing flushes early

}  // namespace

TEST_CASE("a joining node killed before its stream's flush loses the unflushed rows and joins again whole") {
  const auto started = std::chrono::steady_clock::now();
  const PhaseHolds holds("stream_unflushed");
  const std::filesystem::path hold = holds.file("stream_unflushed");
  TestCluster cluster("stream_unflushed", 1, kFirstNodes + 1, 8, "127.0.76.");
  start_nodes(cluster, kFirstNodes);
  cluster.create_keyspace(kKeyspace, 3);
  const std::vector<std::string> seeded = Writer::write_rows(cluster, kKeyspace, "seed", kSeededRows, 6, kValueBytes);
  REQUIRE(seeded.size() == static_cast<std::size_t>(kSeededRows));
  Writer writer(cluster, {0}, kKeyspace, "w", 2, 40);

  std::ofstream(hold).close();
  cluster.start(kJoining, true);
  REQUIRE_MESSAGE(
      wait_until(
          [&] { return cluster.process(kJoining).log().find("test hold: stream_unflushed") != std::string::npos; },
          60s),
      cluster.process(kJoining).log());
  const std::uint64_t load_held = node_info(cluster, kJoining)["load_bytes"].get<std::uint64_t>();
  CHECK(load_held > 0);
  cluster.process(kJoining).kill_hard();

  // The pages were answered but never flushed: the next open has lost them (only the writer's
  // rows, logged, survive).
  std::uint64_t load_after_kill = 0;
  {
    auto storage = ringnode::Storage::open(cluster.data_directory(kJoining));
    REQUIRE_MESSAGE(storage.ok(), (storage.ok() ? "" : storage.error().message()));
    load_after_kill = (*storage)->load_bytes(kKeyspace);
  }
  CHECK(load_after_kill < load_held / 2);

  std::filesystem::remove(hold);
  cluster.start(kJoining, true);
  const Json joined = cluster.bootstrap_job(kJoining);
  CHECK_MESSAGE(joined["state"] == "succeeded", joined.dump());
  CHECK(joined["result"]["rows_streamed"].get<std::uint64_t>() > 0);
  CHECK(node_info(cluster, kJoining)["mode"] == "NORMAL");
  for (int i = 0; i <= kJoining; ++i) cluster.wait_for_ring(i, kFirstNodes + 1);

  CHECK(writes_acknowledged(writer, 20));
  const std::size_t checked = check_acknowledged_rows(cluster, writer, {0, 1, 2, 3}, kKeyspace, seeded, kValueBytes, 1);
  MESSAGE("load held before the kill " << load_held << " bytes, after it " << load_after_kill << "; " << checked
                                       << " acknowledged rows checked, " << seconds_since(started) << " s");
}
