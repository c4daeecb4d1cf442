// Verdicts: how checks combine, and how a figure is graded against its limits.
#include "ringcore/verdict.h"

#include <doctest/doctest.h>

using ringcore::CheckStatus;
using ringcore::Limit;

TEST_CASE("the overall verdict is the worst known check, and unknown never changes it") {
  CHECK(combine(CheckStatus::kOk, CheckStatus::kWarn) == CheckStatus::kWarn);
  CHECK(combine(CheckStatus::kWarn, CheckStatus::kOk) == CheckStatus::kWarn);
  CHECK(combine(CheckStatus::kWarn, CheckStatus::kCritical) == CheckStatus::kCritical);
  CHECK(combine(CheckStatus::kCritical, CheckStatus::kWarn) == CheckStatus::kCritical);
  CHECK(combine(CheckStatus::kOk, CheckStatus::kUnknown) == CheckStatus::kOk);
  CHECK(combine(CheckStatus::kCritical, CheckStatus::kUnknown) == CheckStatus::kCritical);
  CHECK(combine(CheckStatus::kUnknown, CheckStatus::kUnknown) == CheckStatus::kOk);
  CHECK(combine(CheckStatus::kUnknown, CheckStatus::kWarn) == CheckStatus::kWarn);
}

TEST_CASE("--fail-on levels: a status fails at or above its level and unknown never fails") {
  CHECK(at_or_above(CheckStatus::kCritical, CheckStatus::kCritical));
  CHECK_FALSE(at_or_above(CheckStatus::kWarn, CheckStatus::kCritical));
  CHECK(at_or_above(CheckStatus::kWarn, CheckStatus::kWarn));
  CHECK(at_or_above(CheckStatus::kCritical, CheckStatus::kWarn));
  CHECK_FALSE(at_or_above(CheckStatus::kOk, CheckStatus::kWarn));
  CHECK_FALSE(at_or_above(CheckStatus::kUnknown, CheckStatus::kWarn));
  CHECK(ringcore::parse_check_status("warn").value() == CheckStatus::kWarn);
  CHECK(ringcore::parse_check_status("critical").value() == CheckStatus::kCritical);
  CHECK(ringcore::parse_check_status("bad").error().message() == "'bad' is not a check status (ok, warn, critical)");
  CHECK(std::string(check_status_name(CheckStatus::kUnknown)) == "unknown");
}

TEST_CASE("a limit starts at its value, or just above it when strict") {
  const Limit from{0.70, 0.80, false};  // "warn from 70%, critical from 80%"
  CHECK(grade(0.6999, from) == CheckStatus::kOk);
  CHECK(grade(0.70, from) == CheckStatus::kWarn);
  CHECK(grade(0.7999, from) == CheckStatus::kWarn);
  CHECK(grade(0.80, from) == CheckStatus::kCritical);
  const Limit over{50, 100, true};  // "warn over 50, critical over 100"
  CHECK(grade(50, over) == CheckStatus::kOk);
  CHECK(grade(51, over) == CheckStatus::kWarn);
  CHECK(grade(100, over) == CheckStatus::kWarn);
  CHECK(grade(101, over) == CheckStatus::kCritical);
  const Limit warn_only{0.6, std::nullopt, false};
  CHECK(grade(0.99, warn_only) == CheckStatus::kWarn);
}
