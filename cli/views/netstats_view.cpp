#include "views/netstats_view.h"

#include <cstdio>
#include <limits>
#include <string>

#include "text/java_format.h"
#include "views/json_fields.h"

namespace ringctl {
namespace {

using Json = nlohmann::json;

std::string size(std::int64_t bytes, bool human_readable) {
  return human_readable ? format_file_size(static_cast<double>(bytes)) : std::to_string(bytes) + " bytes";
}

// done/total in percent, computed in double: NaN when total is 0, as nodetool prints it.
double percent(std::int64_t done, std::int64_t total) {
  return total == 0 ? std::numeric_limits<double>::quiet_NaN()
                    : 100.0 * static_cast<double>(done) / static_cast<double>(total);
}

void print_session(const Json& session, std::size_t index, bool human_readable, std::ostream& out) {
  const std::string peer = "/" + json_text(session, "peer");
  const bool receiving = json_text(session, "direction") != "sending";
  const std::int64_t total_ranges = json_int(session, "total_ranges");
  const std::int64_t done_ranges = json_int(session, "done_ranges");
  const std::int64_t total_bytes = json_int(session, "total_bytes");
  const std::int64_t done_bytes = json_int(session, "done_bytes");
  out << "    " << peer << '\n';
  out << "        " << (receiving ? "Receiving " : "Sending ") << total_ranges << " files, "
      << size(total_bytes, human_readable) << " total. " << (receiving ? "Already received " : "Already sent ")
      << done_ranges << " files (" << format_fixed(percent(done_ranges, total_ranges), 2) << "%), "
      << size(done_bytes, human_readable) << " total (" << format_fixed(percent(done_bytes, total_bytes), 2) << "%)\n";
  // nodetool's per-file line; the int percent is 100 when the total is 0.
  const std::int64_t whole_percent = total_bytes == 0 ? 100 : 100 * done_bytes / total_bytes;
  out << "            ranges:" << done_ranges << "/" << total_ranges << " " << done_bytes << "/" << total_bytes
      << " bytes (" << whole_percent << "%) " << (receiving ? "received from" : "sent to") << " idx:" << index << peer
      << '\n';
}

void print_pool_row(const char* name, std::ostream& out) {
  char line[128];
  std::snprintf(line, sizeof line, "%-25s%10s%10s%15s%10s\n", name, "n/a", "n/a", "n/a", "n/a");
  out << line;
}

}  // namespace

void print_netstats(const Json& streams, bool human_readable, std::ostream& out) {
  const std::string mode = json_text(streams, "mode", "NORMAL");
  out << "Mode: " << mode << '\n';
  const Json& plans = json_array(streams, "plans");
  if (plans.empty()) out << "Not sending any streams.\n";
  for (const Json& plan : plans) {
    out << json_text(plan, "description", "Other") << ' ' << json_text(plan, "id") << '\n';
    const Json& sessions = json_array(plan, "sessions");
    for (std::size_t i = 0; i < sessions.size(); ++i) print_session(sessions[i], i, human_readable, out);
  }
  if (mode == "STARTING") return;
  const Json read_repair = streams.value("read_repair", Json::object());
  out << "Read Repair Statistics:\n"
      << "Attempted: " << json_int(read_repair, "attempted") << '\n'
      << "Mismatch (Blocking): " << json_int(read_repair, "mismatch_blocking") << '\n'
      << "Mismatch (Background): " << json_int(read_repair, "mismatch_background") << '\n';
  char header[128];
  std::snprintf(header, sizeof header, "%-25s%10s%10s%15s%10s\n", "Pool Name", "Active", "Pending", "Completed",
                "Dropped");
  out << header;
  // Our nodes keep no message-pool counters: every column is n/a.
  for (const char* pool : {"Large messages", "Small messages", "Gossip messages"}) print_pool_row(pool, out);
}

Document netstats_document(const Json& streams) {
  Document plans = Document::array();
  for (const Json& plan : json_array(streams, "plans")) {
    Document sessions = Document::array();
    for (const Json& session : json_array(plan, "sessions")) {
      Document entry = Document(session);
      const std::int64_t total = json_int(session, "total_bytes");
      entry["done_pct"] = total == 0 ? Document(nullptr) : Document(percent(json_int(session, "done_bytes"), total));
      sessions.push_back(std::move(entry));
    }
    plans.push_back({{"id", json_text(plan, "id")},
                     {"description", json_text(plan, "description")},
                     {"job_id", plan.contains("job_id") ? Document(plan["job_id"]) : Document(nullptr)},
                     {"sessions", std::move(sessions)}});
  }
  const Json read_repair = streams.value("read_repair", Json::object());
  return {{"mode", json_text(streams, "mode", "NORMAL")},
          {"throughput_mib_per_second", streams.value("throughput_mib_per_second", Json(0))},
          {"plans", std::move(plans)},
          {"read_repair",
           {{"attempted", json_int(read_repair, "attempted")},
            {"mismatch_blocking", json_int(read_repair, "mismatch_blocking")},
            {"mismatch_background", json_int(read_repair, "mismatch_background")}}}};
}

}  // namespace ringctl
