#include "playbook/health_thresholds.h"

#include <cstdlib>

#include "configured_thresholds.h"

namespace ringctl::playbook {

ringcore::HealthThresholds step_thresholds(const SnapshotSource& source, const Values& params) {
  ringcore::HealthThresholds thresholds = configured_health_thresholds(source);
  for (const auto& [key, value] : params) {
    if (!key.starts_with("with.") || value.empty()) continue;
    const std::string name = key.substr(5);
    bool known = false;
    for (const std::string& threshold : ringcore::threshold_names()) known = known || threshold == name;
    if (!known) continue;
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size())
      throw ringcore::Error::invalid_input(key + ": expected a number, got '" + value + "'");
    ringcore::set_threshold(thresholds, name, number).value_or_throw();
  }
  return thresholds;
}

}  // namespace ringctl::playbook
