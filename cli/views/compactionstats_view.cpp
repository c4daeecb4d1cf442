#include "views/compactionstats_view.h"

#include <cstdio>
#include <string>

#include "text/java_format.h"
#include "text/table.h"
#include "views/json_fields.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;

const Json& compaction_of(const Json& node) {
  static const Json kEmpty = Json::object();
  if (!node.is_object()) return kEmpty;
  const auto it = node.find("compaction");
  return it != node.end() && it->is_object() ? *it : kEmpty;
}

// DecimalFormat("0.00") of completed / total × 100, plus "%"; "n/a" for a zero total.
std::string progress_of(std::int64_t completed, std::int64_t total) {
  if (total <= 0) return "n/a";
  return format_decimal(static_cast<double>(completed) / static_cast<double>(total) * 100, 2, 2) + "%";
}

std::string size_text(std::int64_t bytes, bool human_readable) {
  return human_readable ? format_file_size(static_cast<double>(bytes)) : std::to_string(bytes);
}

}  // namespace

void print_compactionstats(const Json& node, bool human_readable, std::ostream& out) {
  const Json& compaction = compaction_of(node);
  out << "pending tasks: " << json_int(compaction, "pending_tasks") << '\n';
  for (const Json& keyspace : json_array(compaction, "keyspaces")) {
    const std::int64_t tasks = json_int(keyspace, "pending_tasks");
    if (tasks > 0) out << "- " << json_text(keyspace, "name") << ": " << tasks << '\n';
  }
  out << '\n';
  const Json& active = json_array(compaction, "active");
  if (active.empty()) return;
  TableBuilder table;
  table.add_row({"id", "compaction type", "keyspace", "table", "completed", "total", "unit", "progress"});
  for (const Json& running : active) {
    const std::int64_t completed = json_int(running, "completed_bytes");
    const std::int64_t total = json_int(running, "total_bytes");
    table.add_row({std::to_string(json_int(running, "id")), "Compaction", json_text(running, "keyspace"), std::nullopt,
                   size_text(completed, human_readable), size_text(total, human_readable), "bytes",
                   progress_of(completed, total)});
  }
  print_table(table, column_widths({table}), " ", out);
  char line[64];
  std::snprintf(line, sizeof line, "%25s%10s", "Active compaction remaining time : ", "n/a");
  out << line << '\n';
}

Document compactionstats_document(const Json& node) {
  const Json& compaction = compaction_of(node);
  Document keyspaces = Document::array();
  for (const Json& keyspace : json_array(compaction, "keyspaces")) {
    keyspaces.push_back({{"name", json_text(keyspace, "name")},
                         {"pending_tasks", json_int(keyspace, "pending_tasks")},
                         {"pending_bytes", json_int(keyspace, "pending_bytes")}});
  }
  Document active = Document::array();
  for (const Json& running : json_array(compaction, "active")) {
    const std::int64_t completed = json_int(running, "completed_bytes");
    const std::int64_t total = json_int(running, "total_bytes");
    active.push_back(
        {{"id", json_int(running, "id")},
         {"compaction_type", "Compaction"},
         {"keyspace", json_text(running, "keyspace")},
         {"completed_bytes", completed},
         {"total_bytes", total},
         {"progress_pct", total > 0 ? Document(static_cast<double>(completed) / static_cast<double>(total) * 100)
                                    : Document(nullptr)}});
  }
  return {{"pending_tasks", json_int(compaction, "pending_tasks")},
          {"pending_bytes", json_int(compaction, "pending_bytes")},
          {"keyspaces", std::move(keyspaces)},
          {"active", std::move(active)}};
}

}  // namespace ringctl
