// Partition keys as given on the command line: UTF-8 text by default, hex bytes with --hex.
#pragma once

#include <string>

namespace ringctl {

// The key's bytes. Throws ringcore::Error when `hex` is set and `arg` is not an even number
// of hex digits, naming the key and the position of the first bad character.
std::string key_bytes(const std::string& arg, bool hex);

}  // namespace ringctl
