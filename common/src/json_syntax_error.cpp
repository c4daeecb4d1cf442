#include "json_syntax_error.h"

#include <algorithm>

namespace ringcore {

namespace {

// The library's text is "[json.exception.KIND.N] ..." and, for syntax errors, "parse error at
// line L, column C: REASON"; only the reason is worth keeping.
std::string reason_of(const nlohmann::json::exception& error) {
  std::string reason = error.what();
  if (const std::size_t colon = reason.find(": "); colon != std::string::npos) return reason.substr(colon + 2);
  if (const std::size_t bracket = reason.find("] "); bracket != std::string::npos) return reason.substr(bracket + 2);
  return reason;
}

}  // namespace

Error json_syntax_error(std::string_view what, std::string_view text, const nlohmann::json::exception& exception) {
  const std::string prefix = (what.empty() ? "" : std::string(what) + ": ") + "not valid JSON";
  const auto* error = dynamic_cast<const nlohmann::json::parse_error*>(&exception);
  if (error == nullptr) return Error::invalid_input(prefix + ": " + reason_of(exception));
  // error->byte is 1-based: the byte after the last one read (past the end at end of input).
  const std::size_t end = std::min(text.size(), error->byte == 0 ? std::size_t{0} : error->byte - 1);
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string position = text.empty() || end >= text.size()
                             ? "at the end of the input (line " + std::to_string(line) + ")"
                             : "at line " + std::to_string(line) + ", column " + std::to_string(column);
  return Error::invalid_input(prefix + " " + position + ": " + reason_of(exception));
}

}  // namespace ringcore
