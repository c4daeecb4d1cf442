// Fuzzes the playbook loader (parse_playbook) with one YAML text: the file an operator writes
// into $XDG_CONFIG_HOME/ringctl/playbooks/. Properties: no crash, no hang; a refusal is an
// invalid_input error whose every line names the file and a line ("fuzz.yaml:<line>: ..."); a
// playbook that loads binds its variables' defaults without --var, or refuses with invalid_input
// (a variable without default), and every step has a title.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "playbook/playbook_loader.h"
#include "playbook/variables.h"

namespace {

void check_refusal(const ringcore::Error& error, bool names_file) {
  if (error.code() != ringcore::ErrorCode::kInvalidInput || error.message().empty()) std::abort();
  if (!names_file) return;
  std::istringstream lines(error.message());
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("fuzz.yaml:", 0) != 0) std::abort();
  }
}

void check_titles(const std::vector<ringctl::playbook::Step>& steps) {
  for (const ringctl::playbook::Step& step : steps) {
    if (ringctl::playbook::step_title(step).empty()) std::abort();
    check_titles(step.steps);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto playbook = ringctl::playbook::parse_playbook(text, "fuzz.yaml");
  if (!playbook) {
    check_refusal(playbook.error(), true);
    return 0;
  }
  check_titles(playbook->steps);
  if (auto values = ringctl::playbook::bind_variables(*playbook, {}); !values) check_refusal(values.error(), false);
  return 0;
}
