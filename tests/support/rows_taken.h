// Rows taken from a node behind its back, for tests that need replicas to differ: the node is
// stopped (SIGTERM), the rows of `range` of `keyspace` are removed from its RocksDB, and it is
// started again; repair then has them to stream back.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "ringcore/token.h"
#include "storage.h"
#include "support/ringnode_cluster.h"

namespace test_support {

// Returns how many rows were removed. The whole ring's range by default.
inline std::uint64_t take_rows(TestCluster& cluster, int i, const std::string& keyspace,
                               ringcore::TokenRange range = {ringcore::kMinToken, ringcore::kMaxToken}) {
  REQUIRE(cluster.process(i).terminate(std::chrono::seconds(30)) == 0);
  std::uint64_t rows = 0;
  {
    auto storage = ringnode::Storage::open(cluster.data_directory(i));
    if (!storage) FAIL(storage.error().message());
    const auto removed = (*storage)->remove_range(keyspace, range);
    REQUIRE(removed);
    rows = removed->rows;
  }
  cluster.start(i, false);
  return rows;
}

}  // namespace test_support
