// Fuzzes the token and token-range parsers. Properties: no crash; whatever parses prints back
// to text that parses to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ringcore/replication.h"
#include "ringcore/token.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto token = ringcore::parse_token(text); token.ok()) {
    auto again = ringcore::parse_token(ringcore::format_token(*token));
    if (!again.ok() || *again != *token) std::abort();
  }
  if (auto range = ringcore::parse_range(text); range.ok()) {
    auto again = ringcore::parse_range(ringcore::format_range(*range));
    if (!again.ok() || !(*again == *range)) std::abort();
  }
  // Replication factors, as "key=value" pairs separated by newlines.
  std::vector<std::pair<std::string, std::string>> options;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    const std::size_t eq = line.find('=');
    if (eq != std::string_view::npos) options.emplace_back(line.substr(0, eq), line.substr(eq + 1));
    start = end + 1;
  }
  (void)ringcore::parse_replication(options);
  return 0;
}
