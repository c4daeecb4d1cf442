#include "views/gossipinfo_view.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/gossip/application_state.h"
#include "views/json_fields.h"
#include "views/node_order.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;
using ringcore::gossip::ApplicationState;

std::vector<const Json*> sorted_endpoints(const Json& endpoints) {
  std::vector<const Json*> sorted;
  if (endpoints.is_array()) {
    for (const Json& endpoint : endpoints) sorted.push_back(&endpoint);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const Json* a, const Json* b) {
    return address_less(json_text(*a, "address"), json_text(*b, "address"));
  });
  return sorted;
}

// Enum order first; names this version does not know after them, by name.
std::vector<const Json*> sorted_states(const Json& endpoint) {
  std::vector<const Json*> sorted;
  for (const Json& state : json_array(endpoint, "states")) sorted.push_back(&state);
  const auto rank = [](const Json* state) {
    const std::string name = json_text(*state, "name");
    const auto known = ringcore::gossip::parse_application_state(name);
    return std::make_pair(known ? static_cast<int>(*known) : static_cast<int>(ringcore::gossip::kApplicationStateCount),
                          name);
  };
  std::stable_sort(sorted.begin(), sorted.end(), [&rank](const Json* a, const Json* b) { return rank(a) < rank(b); });
  return sorted;
}

bool is_tokens(const Json& state) { return json_text(state, "name") == "TOKENS"; }

}  // namespace

void print_gossipinfo(const Json& endpoints, std::ostream& out) {
  for (const Json* endpoint : sorted_endpoints(endpoints)) {
    out << '/' << json_text(*endpoint, "address") << '\n';
    out << "  generation:" << json_int(*endpoint, "generation") << '\n';
    out << "  heartbeat:" << json_int(*endpoint, "heartbeat") << '\n';
    std::optional<std::int64_t> tokens_version;
    for (const Json* state : sorted_states(*endpoint)) {
      if (is_tokens(*state)) {
        tokens_version = json_int(*state, "version");
        continue;
      }
      out << "  " << json_text(*state, "name") << ':' << json_int(*state, "version") << ':'
          << json_text(*state, "value") << '\n';
    }
    if (tokens_version) {
      out << "  TOKENS:" << *tokens_version << ":<hidden>\n";
    } else {
      out << "  TOKENS: not present\n";
    }
  }
  out << '\n';
}

Document gossipinfo_document(const Json& endpoints) {
  Document result = Document::array();
  for (const Json* endpoint : sorted_endpoints(endpoints)) {
    Document states = Document::array();
    for (const Json* state : sorted_states(*endpoint)) {
      states.push_back({{"name", json_text(*state, "name")},
                        {"version", json_int(*state, "version")},
                        {"value", json_text(*state, "value")}});
    }
    const auto phi = endpoint->find("phi");
    result.push_back({{"address", json_text(*endpoint, "address")},
                      {"generation", json_int(*endpoint, "generation")},
                      {"heartbeat", json_int(*endpoint, "heartbeat")},
                      {"status", json_text(*endpoint, "status", "unknown")},
                      {"phi", phi != endpoint->end() && phi->is_number() ? Document(*phi) : Document(nullptr)},
                      {"states", std::move(states)}});
  }
  return {{"endpoints", std::move(result)}};
}

}  // namespace ringctl
