// The verdict of one check (health, plan pre-flight): ok, warn, critical, or unknown when a
// figure the check needs is not known. An unknown check is listed but never changes the
// overall verdict: the tools never guess.
#pragma once

#include <optional>
#include <string_view>

#include "ringcore/error.h"

namespace ringcore {

enum class CheckStatus { kOk, kWarn, kCritical, kUnknown };

const char* check_status_name(CheckStatus status);  // "ok", "warn", "critical", "unknown"

// "ok", "warn" or "critical" (what --fail-on takes). Errors (kInvalidInput) name the text.
Result<CheckStatus> parse_check_status(std::string_view text);

// The overall verdict after one more check: the worse of the two, where unknown counts as
// nothing (ok when every check is unknown).
CheckStatus combine(CheckStatus overall, CheckStatus check);

// Whether `status` is at or above `level` (kWarn or kCritical); unknown never is.
bool at_or_above(CheckStatus status, CheckStatus level);

// A figure's limits. `strict` says whether a level starts above the limit ("over 50") or at it
// ("from 70%"). A level left unset never fires.
struct Limit {
  std::optional<double> warn;
  std::optional<double> critical;
  bool strict = false;
};

// The status of `value` against `limit`: critical, else warn, else ok.
CheckStatus grade(double value, const Limit& limit);

}  // namespace ringcore
