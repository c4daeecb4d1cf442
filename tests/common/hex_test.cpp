// Hex digits: both cases, or lowercase only (Merkle tree hashes).
#include "ringcore/hex.h"

#include <doctest/doctest.h>

#include <cctype>
#include <string>

using ringcore::hex_digit_value;

TEST_CASE("hex digits have their values in either case, and anything else is -1") {
  const std::string digits = "0123456789abcdef";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    CHECK(hex_digit_value(digits[i]) == static_cast<int>(i));
    CHECK(hex_digit_value(static_cast<char>(std::toupper(digits[i]))) == static_cast<int>(i));
  }
  for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0', '\xff'}) CHECK(hex_digit_value(c) == -1);
}

TEST_CASE("lowercase only refuses A-F and keeps the rest") {
  CHECK(hex_digit_value('a', true) == 10);
  CHECK(hex_digit_value('9', true) == 9);
  CHECK(hex_digit_value('A', true) == -1);
  CHECK(hex_digit_value('F', true) == -1);
}
