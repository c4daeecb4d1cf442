#include "playbook/templates.h"

namespace ringctl::playbook {
namespace {

// Calls on_text for literal parts and on_name for references; stops at the first error.
template <class OnText, class OnName>
ringcore::Status walk(const std::string& text, OnText on_text, OnName on_name) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find("{{", at);
    if (open == std::string::npos) break;
    on_text(text.substr(at, open - at));
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) return ringcore::Error::invalid_input("'{{' without '}}' in '" + text + "'");
    const std::string name = trimmed(text.substr(open + 2, close - open - 2));
    if (name.empty()) return ringcore::Error::invalid_input("an empty {{ }} in '" + text + "'");
    if (auto status = on_name(name); !status) return status;
    at = close + 2;
  }
  if (at < text.size()) on_text(text.substr(at));
  return ringcore::Ok{};
}

}  // namespace

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

ringcore::Result<std::vector<std::string>> template_references(const std::string& text) {
  std::vector<std::string> names;
  auto status = walk(
      text, [](const std::string&) {},
      [&names](const std::string& name) -> ringcore::Status {
        names.push_back(name);
        return ringcore::Ok{};
      });
  if (!status) return status.error();
  return names;
}

ringcore::Result<std::string> fill_template(const std::string& text, const Values& values) {
  std::string out;
  auto status = walk(
      text, [&out](const std::string& part) { out += part; },
      [&](const std::string& name) -> ringcore::Status {
        const auto it = values.find(name);
        if (it == values.end()) return ringcore::Error::invalid_input("{{" + name + "}} has no value");
        out += it->second;
        return ringcore::Ok{};
      });
  if (!status) return status.error();
  return out;
}

}  // namespace ringctl::playbook
