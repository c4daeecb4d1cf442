// Every error code ringctl can print, and the exit code it maps to, as docs/json-output.md's
// table of error codes says (the document scripts read to handle ringctl's errors).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exit_codes.h"
#include "support/test_paths.h"

namespace {

using ringcore::ErrorCode;

// The rows "| `code` | exit | meaning |" of the error table in docs/json-output.md. (Read by
// hand, not with std::regex: GCC 12 warns inside <regex> under the sanitizers' -O1.)
std::map<std::string, int> documented_codes() {
  std::ifstream in(test_paths::in_source("docs/json-output.md"));
  REQUIRE(in.good());
  std::map<std::string, int> codes;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("| `")) continue;
    const std::size_t name_end = line.find("` | ", 3);
    if (name_end == std::string::npos) continue;
    const std::string name = line.substr(3, name_end - 3);
    const std::size_t digits = name_end + 4;
    const std::size_t digits_end = line.find(" |", digits);
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos ||
        digits_end == std::string::npos || digits_end == digits ||
        line.find_first_not_of("0123456789", digits) != digits_end)
      continue;
    codes[name] = std::stoi(line.substr(digits, digits_end - digits));
  }
  return codes;
}

// Every ErrorCode: the enumerators are numbered from 0, and a number past the last one has no
// name of its own (error_code_name gives it "internal", the name of kInternal).
std::vector<ErrorCode> every_error_code() {
  std::vector<ErrorCode> codes;
  for (int value = 0; value < 64; ++value) {
    const auto code = static_cast<ErrorCode>(value);
    if (code != ErrorCode::kInternal && std::string(ringcore::error_code_name(code)) == "internal") break;
    codes.push_back(code);
  }
  return codes;
}

}  // namespace

TEST_CASE("docs/json-output.md lists every error code with the exit code ringctl gives it") {
  const std::map<std::string, int> documented = documented_codes();
  const std::vector<ErrorCode> codes = every_error_code();
  REQUIRE(codes.size() > 10);
  for (ErrorCode code : codes) {
    const std::string name = ringcore::error_code_name(code);
    CAPTURE(name);
    REQUIRE(documented.contains(name));
    CHECK(documented.at(name) == ringctl::exit_code_for(ringcore::Error(code, "x")));
  }
  // And nothing else: "usage" (a wrong command line, found before any command runs) is the one
  // code that is no ErrorCode.
  for (const auto& [name, exit_code] : documented) {
    CAPTURE(name);
    if (name == "usage") {
      CHECK(exit_code == ringctl::kExitUsage);
      continue;
    }
    const bool known = name == "internal" || ringcore::error_code_from_name(name) != ErrorCode::kInternal;
    CHECK(known);
  }
}

TEST_CASE("a playbook run exits as issue 14's table says, whatever error failed it") {
  using ringctl::exit_code_for_run;
  using ringctl::playbook::RunStatus;
  const auto error = [](ErrorCode code) { return std::optional<ringcore::Error>(ringcore::Error(code, "x")); };
  CHECK(exit_code_for_run(RunStatus::kSucceeded, std::nullopt) == 0);
  // A step failed: 2, even when the error alone would exit otherwise (7, 8, 1, 4 for an SSH host).
  CHECK(exit_code_for_run(RunStatus::kFailed, std::nullopt) == 2);
  for (ErrorCode code : {ErrorCode::kFailed, ErrorCode::kConflict, ErrorCode::kOutcomeUnknown, ErrorCode::kSshHostKey,
                         ErrorCode::kSshAuth, ErrorCode::kUnauthorized, ErrorCode::kInvalidInput,
                         ErrorCode::kSshConnect, ErrorCode::kInternal, ErrorCode::kNodeUnavailable}) {
    CAPTURE(ringcore::error_code_name(code));
    CHECK(exit_code_for_run(RunStatus::kFailed, error(code)) == 2);
  }
  // No agent reachable: 4.
  CHECK(exit_code_for_run(RunStatus::kFailed, error(ErrorCode::kUnavailable)) == 4);
  CHECK(exit_code_for_run(RunStatus::kTimedOut, error(ErrorCode::kTimedOut)) == 3);
  CHECK(exit_code_for_run(RunStatus::kBlocked, std::nullopt) == 5);
  // The operator's no and the operator's Ctrl-C (still resumable) both exit 6.
  CHECK(exit_code_for_run(RunStatus::kAborted, std::nullopt) == 6);
  CHECK(exit_code_for_run(RunStatus::kInterrupted, std::nullopt) == 6);
}
