#include "views/workload_view.h"

#include <cstdio>

namespace ringctl {
namespace {

// {"3": 300}: acknowledged writes by the number of replicas they were sent to.
Document replicas_document(const std::map<int, std::int64_t>& written) {
  Document document = Document::object();
  for (const auto& [replicas, writes] : written) document[std::to_string(replicas)] = writes;
  return document;
}

}  // namespace

Document stress_document(const lab::StressReport& r) {
  return {
      {"keyspace", r.keyspace},
      {"consistency", r.consistency},
      {"attempted", r.attempted},
      {"acknowledged", r.acknowledged},
      {"failed", r.failed},
      {"seconds", r.seconds},
      {"rows_per_second", r.seconds > 0 ? static_cast<double>(r.acknowledged) / r.seconds : 0.0},
      {"latency_ms",
       {{"p50", r.latency.p50_ms}, {"p95", r.latency.p95_ms}, {"p99", r.latency.p99_ms}, {"max", r.latency.max_ms}}},
      {"sample_errors", r.sample_errors},
      {"replicas", replicas_document(r.replicas_written)}};
}

Document verify_document(const lab::VerifyReport& r) {
  return {{"keyspace", r.keyspace},     {"consistency", r.consistency},
          {"checked", r.checked},       {"missing", r.missing},
          {"stale", r.stale},           {"under_replicated", r.under_replicated},
          {"unreadable", r.unreadable}, {"lost", r.lost()},
          {"examples", r.examples}};
}

void print_stress(const lab::StressReport& r, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%lld of %lld rows acknowledged at %s in %.2f s: %.0f rows/s\n",
                static_cast<long long>(r.acknowledged), static_cast<long long>(r.attempted), r.consistency.c_str(),
                r.seconds, r.seconds > 0 ? static_cast<double>(r.acknowledged) / r.seconds : 0.0);
  out << line;
  std::snprintf(line, sizeof line, "latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", r.latency.p50_ms,
                r.latency.p95_ms, r.latency.p99_ms, r.latency.max_ms);
  out << line;
  out << "replicas written per acknowledged row:";
  for (const auto& [replicas, writes] : r.replicas_written) out << ' ' << replicas << " (" << writes << " rows)";
  out << '\n';
  if (r.failed > 0) out << r.failed << " writes failed, e.g.:\n";
  for (const std::string& e : r.sample_errors) out << "  " << e << '\n';
}

void print_verify(const lab::VerifyReport& r, std::ostream& out) {
  out << "checked " << r.checked << " acknowledged rows of keyspace " << r.keyspace << " at " << r.consistency << ": "
      << r.missing << " missing, " << r.stale << " stale, " << r.under_replicated << " under-replicated, "
      << r.unreadable << " unreadable\n";
  for (const std::string& e : r.examples) out << "  " << e << '\n';
  out << (r.lost() ? "LOST: acknowledged writes are missing or stale\n" : "no acknowledged write is lost\n");
}

}  // namespace ringctl
