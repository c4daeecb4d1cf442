// Hexadecimal digits, as keys (ringctl --hex), percent-encoding (ringnet) and Merkle tree
// hashes (lowercase only) are written.
#pragma once

namespace ringcore {

// The value 0..15 of hex digit `c` ('0'-'9', 'a'-'f', and 'A'-'F' unless `lowercase_only`),
// or -1 for any other character.
constexpr int hex_digit_value(char c, bool lowercase_only = false) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (!lowercase_only && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace ringcore
