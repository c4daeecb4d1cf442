#include "views/token_view.h"

#include "key_input.h"
#include "ringcore/murmur3.h"

namespace ringctl {

TokenReport build_token(const std::vector<std::string>& keys, bool hex) {
  TokenReport report;
  for (const std::string& key : keys) report.keys.push_back({key, ringcore::token_for_key(key_bytes(key, hex))});
  return report;
}

void print_token_table(const TokenReport& report, std::ostream& out) {
  for (const KeyToken& key : report.keys) out << key.token << '\n';
}

Document token_document(const TokenReport& report) {
  Document doc = Document::array();
  for (const KeyToken& key : report.keys)
    doc.push_back({{"key", key.key}, {"token", ringcore::format_token(key.token)}});
  return doc;
}

}  // namespace ringctl
