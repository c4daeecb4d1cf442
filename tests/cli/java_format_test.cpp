// nodetool's number formats: sizes and percentages, HALF_EVEN on the exact binary value.
#include "text/java_format.h"

#include <doctest/doctest.h>

#include <cmath>

using ringctl::format_file_size;
using ringctl::format_percent;

TEST_CASE("sizes use the largest binary unit, at most two decimals, no trailing zeros") {
  CHECK(format_file_size(0) == "0 bytes");
  CHECK(format_file_size(1023) == "1023 bytes");
  CHECK(format_file_size(1024) == "1 KiB");
  CHECK(format_file_size(1536) == "1.5 KiB");
  CHECK(format_file_size(72642) == "70.94 KiB");
  CHECK(format_file_size(1268777) == "1.21 MiB");
  CHECK(format_file_size(1.04 * 1099511627776.0) == "1.04 TiB");
  CHECK(format_file_size(5.0 * 1099511627776.0 * 1024) == "5120 TiB");  // no unit above TiB
}

TEST_CASE("size rounding is half-even on the exact value") {
  CHECK(format_file_size(1024 * 1.125) == "1.12 KiB");  // exactly half: to even
  CHECK(format_file_size(1024 * 1.375) == "1.38 KiB");  // exactly half: to even
  CHECK(format_file_size(1024 * 1.005) == "1 KiB");     // 1.005 in binary is just below half
  CHECK(format_file_size(1024 * 1.995) == "2 KiB");
}

TEST_CASE("status percentages: one decimal of the float, as DecimalFormat(\"##0.0%\")") {
  CHECK(format_percent(1.0f / 3.0f, 1) == "33.3%");
  CHECK(format_percent(2.0f / 3.0f, 1) == "66.7%");
  CHECK(format_percent(1.0, 1) == "100.0%");
  CHECK(format_percent(0.0, 1) == "0.0%");
  CHECK(format_percent(3.0, 1) == "300.0%");
  CHECK(format_percent(0.0005f, 1) == "0.1%");   // the float is slightly above 0.0005
  CHECK(format_percent(0.4445f, 1) == "44.4%");  // the float is slightly below 0.4445
}

TEST_CASE("ring percentages: two decimals") {
  CHECK(format_percent(1.0f / 3.0f, 2) == "33.33%");
  CHECK(format_percent(1.0, 2) == "100.00%");
}

TEST_CASE("String.format(\"%.2f\"): NaN, and HALF_UP on the shortest decimal") {
  CHECK(ringctl::format_fixed(std::nan(""), 2) == "NaN");
  CHECK(ringctl::format_fixed(100.0 * 4 / 12, 2) == "33.33");
  CHECK(ringctl::format_fixed(0.125, 2) == "0.13");
  CHECK(ringctl::format_fixed(1.005, 2) == "1.01");  // binary 1.00499..., Java prints 1.01
  CHECK(ringctl::format_fixed(99.999, 2) == "100.00");
  CHECK(ringctl::format_fixed(0, 3) == "0.000");
  CHECK(ringctl::format_fixed(12.5, 0) == "13");
}

TEST_CASE("Double.toString: shortest digits, at least one fraction digit, E notation below 0.001 and from 10^7") {
  CHECK(ringctl::format_java_double(24.0) == "24.0");
  CHECK(ringctl::format_java_double(0.0) == "0.0");
  CHECK(ringctl::format_java_double(201.326592) == "201.326592");
  CHECK(ringctl::format_java_double(0.5) == "0.5");
  CHECK(ringctl::format_java_double(0.001) == "0.001");
  CHECK(ringctl::format_java_double(1e7) == "1.0E7");
  CHECK(ringctl::format_java_double(1.5e-4) == "1.5E-4");
  CHECK(ringctl::format_java_double(-2.0) == "-2.0");
  CHECK(ringctl::format_java_double(std::nan("")) == "NaN");
}
