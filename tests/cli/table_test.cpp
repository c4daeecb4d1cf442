// nodetool's TableBuilder: every cell padded, the last one too; widths in UTF-16 units.
#include "text/table.h"

#include <doctest/doctest.h>

#include <sstream>

using ringctl::TableBuilder;

TEST_CASE("cells are left-justified and padded to the column width, the last column included") {
  TableBuilder table;
  table.add_row({"--", "Address", "Rack"});
  table.add_row({"UN", "10.0.0.1", "r"});
  std::ostringstream out;
  print_table(table, ringctl::column_widths({table}), "  ", out);
  CHECK(out.str() == "--  Address   Rack\nUN  10.0.0.1  r   \n");
}

TEST_CASE("shared widths align several tables, a null cell prints empty but is one wide") {
  TableBuilder a, b;
  a.add_row({"x", ringctl::Cell{}});
  b.add_row({"longer", ""});
  const auto widths = ringctl::column_widths({a, b});
  CHECK(widths == std::vector<std::size_t>{6, 1});
  std::ostringstream out;
  print_table(a, widths, " ", out);
  CHECK(out.str() == "x       \n");
}

TEST_CASE("widths count UTF-16 code units like Java") {
  CHECK(ringctl::java_length("abc") == 3);
  CHECK(ringctl::java_length("r\xc3\xa9") == 2);         // é: one unit
  CHECK(ringctl::java_length("\xf0\x9f\x98\x80") == 2);  // an emoji: a surrogate pair
}
