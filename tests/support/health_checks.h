// The checks of ringctl's JSON answers: `health -o json` and a plan's verdict list them in a
// "checks" array of {name, status, value, threshold, message, nodes}.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace test_support {

// The check called `name` in `checks` (a health document's or a verdict's "checks"); fails the
// test when there is none.
inline const nlohmann::json& check_named(const nlohmann::json& checks, const std::string& name) {
  for (const nlohmann::json& check : checks) {
    if (check["name"] == name) return check;
  }
  FAIL("no check named " << name);
  return checks;
}

// The check called `name` in `report` (a health document), null when it has none or is not a
// report (a health that printed no JSON): for waits that ask again.
inline nlohmann::json find_check(const nlohmann::json& report, const std::string& name) {
  if (!report.is_object() || !report.contains("checks")) return nullptr;
  for (const nlohmann::json& check : report["checks"]) {
    if (check["name"] == name) return check;
  }
  return nullptr;
}

}  // namespace test_support
