// How the analysis rules (health_checks, scale_plan, rebalance) write figures and lists into
// their messages: one wording for all three. Private to ringcore's sources.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace ringcore::analysis_text {

// "a, b, c".
inline std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// "a, b, c", or the first `most` and "and N more" for long lists (messages stay readable; the
// documents list every node in their own field).
inline std::string listed(const std::vector<std::string>& items, std::size_t most = 10) {
  if (items.size() <= most) return joined(items);
  return joined({items.begin(), items.begin() + static_cast<std::ptrdiff_t>(most)}) + " and " +
         std::to_string(items.size() - most) + " more";
}

inline std::string formatted(const char* format, double value) {
  char text[48];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

inline std::string percent(double ratio) { return formatted("%.1f%%", ratio * 100); }        // "73.5%"
inline std::string whole_percent(double ratio) { return formatted("%.0f%%", ratio * 100); }  // "74%"
inline std::string milliseconds(double seconds) { return formatted("%.1f ms", seconds * 1000); }
inline std::string count(double value) { return formatted("%.0f", value); }
inline std::string times(double ratio) { return formatted("%.2fx", ratio); }  // "1.37x"
inline std::string gibibytes(double bytes) { return formatted("%.2f GiB", bytes / (1024.0 * 1024 * 1024)); }

}  // namespace ringcore::analysis_text
