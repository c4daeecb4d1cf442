#include "views/info_view.h"

#include <cstdio>
#include <string>

#include "text/java_format.h"
#include "views/json_fields.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;

constexpr double kMiB = 1024.0 * 1024.0;

void line(const char* name, const std::string& value, std::ostream& out) {
  char label[32];
  std::snprintf(label, sizeof label, "%-23s", name);
  out << label << ": " << value << '\n';
}

std::string cache_line() {
  // An idle Java cache: nothing stored, no requests, hence a NaN hit rate.
  return "entries 0, size " + format_file_size(0) + ", capacity " + format_file_size(0) +
         ", 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds";
}

// Gossip and the native transport stop when a node has left the ring.
bool serving(const Json& node) { return json_text(node, "mode") != "DECOMMISSIONED"; }

// nodetool prints tokens only for a ring member (normal, leaving or moving).
bool joined(const Json& node) {
  const std::string state = json_text(node, "state");
  return serving(node) && (state == "normal" || state == "leaving" || state == "moving");
}

std::vector<std::string> tokens(const Json& node) {
  std::vector<std::string> result;
  for (const Json& token : json_array(node, "tokens")) {
    result.push_back(token.is_string() ? token.get<std::string>() : token.dump());
  }
  return result;
}

}  // namespace

void print_info(const Json& node, bool all_tokens, std::ostream& out) {
  // A JVM node (ringd's Cassandra backend) reports its heap; a native node its resident memory.
  const bool jvm = node.contains("heap_used_bytes");
  const double used_mib = static_cast<double>(json_int(node, jvm ? "heap_used_bytes" : "rss_bytes")) / kMiB;
  const double max_mib = jvm ? static_cast<double>(json_int(node, "heap_max_bytes")) / kMiB : used_mib;
  line("ID", json_text(node, "host_id"), out);
  line("Gossip active", serving(node) ? "true" : "false", out);
  line("Native Transport active", serving(node) ? "true" : "false", out);
  line("Load", format_file_size(static_cast<double>(json_int(node, "load_bytes"))), out);
  line("Generation No", std::to_string(serving(node) ? json_int(node, "generation") : 0), out);
  line("Uptime (seconds)", std::to_string(json_int(node, "uptime_seconds")), out);
  line("Heap Memory (MB)", format_fixed(used_mib, 2) + " / " + format_fixed(max_mib, 2), out);
  line("Off Heap Memory (MB)", format_fixed(0, 2), out);
  line("Data Center", json_text(node, "dc"), out);
  line("Rack", json_text(node, "rack"), out);
  line("Exceptions", "0", out);
  line("Key Cache", cache_line(), out);
  line("Row Cache", cache_line(), out);
  line("Counter Cache", cache_line(), out);
  line("Network Cache",
       "size " + format_file_size(0) + ", overflow size: " + format_file_size(0) + ", capacity " + format_file_size(0),
       out);
  line("Percent Repaired", "0.0%", out);
  if (!joined(node)) {
    line("Token", "(node is not joined to the cluster)", out);
    return;
  }
  const std::vector<std::string> node_tokens = tokens(node);
  if (node_tokens.size() == 1 || all_tokens) {
    for (const std::string& token : node_tokens) line("Token", token, out);
  } else {
    line("Token", "(invoke with -T/--tokens to see all " + std::to_string(node_tokens.size()) + " tokens)", out);
  }
}

Document info_document(const Json& node) {
  Document token_list = Document::array();
  for (const std::string& token : tokens(node)) token_list.push_back(token);
  return {{"host_id", json_text(node, "host_id")},
          {"address", json_text(node, "address")},
          {"cluster_name", json_text(node, "cluster_name")},
          {"dc", json_text(node, "dc")},
          {"rack", json_text(node, "rack")},
          {"state", json_text(node, "state")},
          {"mode", json_text(node, "mode")},
          {"gossip_active", serving(node)},
          {"native_transport_active", serving(node)},
          {"joined", joined(node)},
          {"generation", json_int(node, "generation")},
          {"uptime_seconds", json_int(node, "uptime_seconds")},
          {"load_bytes", json_int(node, "load_bytes")},
          {"rss_bytes", json_int(node, "rss_bytes")},
          {"disk_used_bytes", json_int(node, "disk_used_bytes")},
          {"disk_free_bytes", json_int(node, "disk_free_bytes")},
          {"disk_total_bytes", json_int(node, "disk_total_bytes")},
          {"schema_version", json_text(node, "schema_version")},
          {"release_version", json_text(node, "release_version")},
          {"tokens", std::move(token_list)}};
}

}  // namespace ringctl
