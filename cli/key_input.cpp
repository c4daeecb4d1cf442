#include "key_input.h"

#include "ringcore/error.h"
#include "ringcore/hex.h"

namespace ringctl {

std::string key_bytes(const std::string& arg, bool hex) {
  if (!hex) return arg;
  std::string_view digits = arg;
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  if (digits.size() % 2 != 0) {
    throw ringcore::Error::invalid_input("hex key '" + arg + "' has an odd number of digits");
  }
  std::string bytes;
  bytes.reserve(digits.size() / 2);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const int high = ringcore::hex_digit_value(digits[i]);
    const int low = ringcore::hex_digit_value(digits[i + 1]);
    if (high < 0 || low < 0) {
      const std::size_t bad = high < 0 ? i : i + 1;
      throw ringcore::Error::invalid_input("hex key '" + arg + "': '" + std::string(1, digits[bad]) + "' at position " +
                                           std::to_string(bad + 1) + " is not a hex digit");
    }
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

}  // namespace ringctl
