// CollectedFacts: what ringd last learnt from its node's backend. The collector fills it in
// the background on an interval; the API and /metrics only ever read a copy, so a slow or dead
// node never makes a request or a scrape wait.
//
// The documents keep the backend's JSON shapes (docs/api.md): the lab backend passes
// ringnode's answers through, and a Cassandra backend produces the same shapes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ringd {

struct CollectedFacts {
  nlohmann::json node;     // ringnode GET /v1/node; null until the first success
  nlohmann::json cluster;  // the cluster snapshot as this node sees it (docs/snapshot-format.md)
  nlohmann::json gossip;   // {"endpoints": [...]} as ringnode GET /v1/gossip
  nlohmann::json streams;  // ringnode GET /v1/streams
  nlohmann::json jobs;     // array of jobs, newest first

  // When the last collection that succeeded finished; nullopt before the first.
  std::optional<std::chrono::system_clock::time_point> collected_at;
  std::chrono::duration<double> last_collection_duration{0};  // the last attempt, success or not
  std::uint64_t collections_total = 0;
  std::uint64_t backend_errors_total = 0;  // failed collection attempts
  std::string last_error;                  // of the last attempt; empty when it succeeded
};

}  // namespace ringd
