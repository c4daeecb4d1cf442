// TableBuilder: nodetool's aligned text table.
//
// Every cell, the last one included, is left-justified and padded to its column's width, so
// lines may end in spaces, exactly as nodetool prints them. Widths count UTF-16 code units
// (Java's String.length()). Several tables can share column widths (status prints one table
// per datacenter with common widths).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ringctl {

using Cell = std::optional<std::string>;  // nullopt prints as "" but counts as width 1

class TableBuilder {
 public:
  void add_row(std::vector<Cell> cells) { rows_.push_back(std::move(cells)); }
  const std::vector<std::vector<Cell>>& rows() const { return rows_; }

 private:
  std::vector<std::vector<Cell>> rows_;
};

// Width of each column over all the tables.
std::vector<std::size_t> column_widths(const std::vector<TableBuilder>& tables);

void print_table(const TableBuilder& table, const std::vector<std::size_t>& widths, const std::string& delimiter,
                 std::ostream& out);

// Java String.length() of a UTF-8 string: code points, with those above U+FFFF counted twice.
std::size_t java_length(const std::string& utf8);

}  // namespace ringctl
