// How old the cached facts are, as every cached answer of the API states it:
//   "freshness": {"collected_at": ISO 8601 | null, "age_seconds": 1.2 | null, "stale": false,
//                 "error": "last backend error" | null}
// Stale: no collection succeeded within the last 3 intervals (or none ever did).
// The error is the last attempt's; or, when the facts are stale and the attempt in progress has
// waited on the node for longer than an interval (a hung node: it accepts and never answers),
// "the node has not answered for N s", so a reader is told why before the attempt gives up.
// Pure: the time is an argument.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "collected_facts.h"

namespace ringd {

constexpr int kStaleAfterIntervals = 3;

struct Freshness {
  std::optional<std::chrono::system_clock::time_point> collected_at;
  std::optional<double> age_seconds;  // now - collected_at, at least 0 (a clock stepping back)
  bool stale = true;
  std::string error;  // as above; empty when the last attempt succeeded and none is hanging
};

// `waiting`: how long the attempt in progress has been running (Collector::attempt_running_for);
// nullopt between attempts.
Freshness freshness_of(const CollectedFacts& facts, std::chrono::system_clock::time_point now,
                       std::chrono::duration<double> interval,
                       std::optional<std::chrono::duration<double>> waiting = std::nullopt);

// The "freshness" object above; age rounded to milliseconds.
nlohmann::json freshness_json(const Freshness& freshness);

}  // namespace ringd
