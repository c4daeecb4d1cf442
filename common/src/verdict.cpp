#include "ringcore/verdict.h"

#include <string>

namespace ringcore {
namespace {

int severity(CheckStatus status) {
  switch (status) {
    case CheckStatus::kUnknown:
      return -1;
    case CheckStatus::kOk:
      return 0;
    case CheckStatus::kWarn:
      return 1;
    case CheckStatus::kCritical:
      return 2;
  }
  return -1;
}

bool crosses(double value, double limit, bool strict) { return strict ? value > limit : value >= limit; }

}  // namespace

const char* check_status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kCritical:
      return "critical";
    case CheckStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Result<CheckStatus> parse_check_status(std::string_view text) {
  if (text == "ok") return CheckStatus::kOk;
  if (text == "warn") return CheckStatus::kWarn;
  if (text == "critical") return CheckStatus::kCritical;
  return Error::invalid_input("'" + std::string(text) + "' is not a check status (ok, warn, critical)");
}

CheckStatus combine(CheckStatus overall, CheckStatus check) {
  if (overall == CheckStatus::kUnknown) overall = CheckStatus::kOk;
  return severity(check) > severity(overall) ? check : overall;
}

bool at_or_above(CheckStatus status, CheckStatus level) {
  return status != CheckStatus::kUnknown && severity(status) >= severity(level);
}

CheckStatus grade(double value, const Limit& limit) {
  if (limit.critical && crosses(value, *limit.critical, limit.strict)) return CheckStatus::kCritical;
  if (limit.warn && crosses(value, *limit.warn, limit.strict)) return CheckStatus::kWarn;
  return CheckStatus::kOk;
}

}  // namespace ringcore
