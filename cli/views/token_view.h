// The token view: the Murmur3Partitioner token of each partition key given.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "output.h"
#include "ringcore/token.h"

namespace ringctl {

struct KeyToken {
  std::string key;  // as given: text, or hex digits with --hex
  ringcore::Token token;
};

struct TokenReport {
  std::vector<KeyToken> keys;  // in the order given
};

// Throws ringcore::Error (key_bytes): a key that is not hex digits with `hex`.
TokenReport build_token(const std::vector<std::string>& keys, bool hex);

// One decimal token per line, as nodetool would print Murmur3Partitioner's getToken.
void print_token_table(const TokenReport& report, std::ostream& out);
Document token_document(const TokenReport& report);

}  // namespace ringctl
