#include "text/table.h"

#include <algorithm>

namespace ringctl {

std::size_t java_length(const std::string& utf8) {
  std::size_t units = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xc0) != 0x80) ++units;  // a lead byte starts a code point
    if (c >= 0xf0) ++units;           // 4-byte sequences are surrogate pairs in UTF-16
  }
  return units;
}

std::vector<std::size_t> column_widths(const std::vector<TableBuilder>& tables) {
  std::vector<std::size_t> widths;
  for (const TableBuilder& table : tables) {
    for (const auto& row : table.rows()) {
      if (widths.size() < row.size()) widths.resize(row.size(), 0);
      for (std::size_t i = 0; i < row.size(); ++i) {
        widths[i] = std::max(widths[i], row[i] ? java_length(*row[i]) : std::size_t{1});
      }
    }
  }
  return widths;
}

void print_table(const TableBuilder& table, const std::vector<std::size_t>& widths, const std::string& delimiter,
                 std::ostream& out) {
  for (const auto& row : table.rows()) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out << delimiter;
      const std::string text = row[i].value_or("");
      out << text << std::string(widths[i] - std::min(widths[i], java_length(text)), ' ');
    }
    out << '\n';
  }
}

}  // namespace ringctl
