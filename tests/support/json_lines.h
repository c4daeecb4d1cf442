// One JSON document per line of a command's output: the events `ringctl -o json` prints while
// it follows an operation or runs a playbook.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace test_support {

// Every non-empty line of `text` parsed (the last may lack its newline); throws on a line that
// is not JSON, so that a test sees the bad output instead of fewer events.
inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

}  // namespace test_support
