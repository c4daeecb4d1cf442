#include "output.h"

#include <yaml-cpp/yaml.h>

namespace ringctl {
namespace {

void emit_yaml(const Document& value, YAML::Emitter& out) {
  switch (value.type()) {
    case Document::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        emit_yaml(item, out);
      }
      out << YAML::EndMap;
      break;
    case Document::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit_yaml(item, out);
      out << YAML::EndSeq;
      break;
    case Document::value_t::string:
      // Quote strings so that tokens ("-42") and versions stay strings for YAML readers.
      out << YAML::DoubleQuoted << value.get<std::string>();
      break;
    case Document::value_t::null:
      out << YAML::Null;
      break;
    default:  // numbers and booleans print as JSON prints them
      out << value.dump();
      break;
  }
}

}  // namespace

void print_document(const Document& document, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kYaml) {
    YAML::Emitter emitter;
    emit_yaml(document, emitter);
    out << emitter.c_str() << '\n';
  } else {
    // Bytes that are not UTF-8 (a raw key from the command line) cannot be JSON text: each
    // becomes U+FFFD rather than failing the whole answer; --hex gives a key exactly.
    out << document.dump(2, ' ', false, Document::error_handler_t::replace) << '\n';
  }
}

}  // namespace ringctl
