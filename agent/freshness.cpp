#include "freshness.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ringruntime/iso8601.h"

namespace ringd {

Freshness freshness_of(const CollectedFacts& facts, std::chrono::system_clock::time_point now,
                       std::chrono::duration<double> interval, std::optional<std::chrono::duration<double>> waiting) {
  Freshness freshness;
  freshness.collected_at = facts.collected_at;
  freshness.error = facts.last_error;
  if (facts.collected_at) {
    const double age = std::max(0.0, std::chrono::duration<double>(now - *facts.collected_at).count());
    freshness.age_seconds = age;
    freshness.stale = age > kStaleAfterIntervals * interval.count();
  }
  // An attempt takes milliseconds; one running longer than an interval is waiting on a node
  // that does not answer, which says more than the error of an attempt before it.
  if (freshness.stale && waiting && *waiting > interval) {
    freshness.error = "the node has not answered for " + std::to_string(std::lround(waiting->count())) + " s";
  }
  return freshness;
}

nlohmann::json freshness_json(const Freshness& freshness) {
  nlohmann::json out = nlohmann::json::object();
  out["collected_at"] =
      freshness.collected_at ? nlohmann::json(ringruntime::format_iso8601_utc(*freshness.collected_at)) : nullptr;
  out["age_seconds"] =
      freshness.age_seconds ? nlohmann::json(std::round(*freshness.age_seconds * 1000) / 1000) : nullptr;
  out["stale"] = freshness.stale;
  out["error"] = freshness.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(freshness.error);
  return out;
}

}  // namespace ringd
