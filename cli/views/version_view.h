// The version view: nodetool version's layout ("ReleaseVersion: <version>") over an agent's
// node document (GET /v1/node "node": release_version).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "output.h"

namespace ringctl {

void print_version(const nlohmann::json& node, std::ostream& out);
// {"release_version", "address"} (docs/json-output.md).
Document version_document(const nlohmann::json& node);

}  // namespace ringctl
