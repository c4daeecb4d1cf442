// The info view: nodetool info's layout (4.1: "%-23s: %s" lines) over an agent's node
// document (GET /v1/node "node": the ringnode /v1/node object).
//
// What a Java node has and ours does not (caches, off-heap memory, exceptions, repaired
// percentage) prints as nodetool prints an empty or idle node: zeros and NaN rates. The
// "heap" of a native node is its resident memory, printed as both used and max.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "output.h"

namespace ringctl {

// Prints the text; `all_tokens` is -T/--tokens.
void print_info(const nlohmann::json& node, bool all_tokens, std::ostream& out);

// The -o json|yaml document (docs/json-output.md).
Document info_document(const nlohmann::json& node);

}  // namespace ringctl
