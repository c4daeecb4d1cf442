#include "views/version_view.h"

#include "ringcore/version.h"
#include "views/json_fields.h"

namespace ringctl {

void print_version(const nlohmann::json& node, std::ostream& out) {
  out << "ReleaseVersion: " << json_text(node, "release_version") << '\n';
}

Document version_document(const nlohmann::json& node) {
  return {{"release_version", json_text(node, "release_version")},
          {"address", json_text(node, "address")},
          {"ringctl_version", ringcore::version()},
          {"json_format", kJsonFormat}};
}

}  // namespace ringctl
