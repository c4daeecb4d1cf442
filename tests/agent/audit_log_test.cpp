// The audit log's lines: what a status means for the caller, and a line that is valid JSON
// whatever bytes the request's path and operation hold.
#include "audit_log.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace {

using nlohmann::json;

ringd::AuditEntry entry(std::string path, std::string operation) {
  return {std::chrono::system_clock::time_point(std::chrono::seconds(0)),
          "admin@127.0.0.1",
          "POST",
          std::move(path),
          std::move(operation),
          202};
}

}  // namespace

TEST_CASE("audit outcomes say what a status meant for the caller") {
  CHECK(ringd::audit_outcome(202) == "started");
  CHECK(ringd::audit_outcome(200) == "ok");
  CHECK(ringd::audit_outcome(401) == "denied");
  CHECK(ringd::audit_outcome(403) == "denied");
  CHECK(ringd::audit_outcome(409) == "conflict");
  CHECK(ringd::audit_outcome(404) == "rejected");
  CHECK(ringd::audit_outcome(503) == "failed");
  const std::string line = ringd::audit_line(entry("/v1/operations/cleanup", "cleanup"));
  CHECK(json::parse(line) == json{{"time", "1970-01-01T00:00:00.000Z"},
                                  {"caller", "admin@127.0.0.1"},
                                  {"method", "POST"},
                                  {"path", "/v1/operations/cleanup"},
                                  {"operation", "cleanup"},
                                  {"status", 202},
                                  {"outcome", "started"}});
}

// Found by ringd_api_fuzz: an operation name that was not UTF-8 made dump() throw, and the
// request a 500 (tests/fuzz/corpus/ringd_api/regression_operation_not_utf8).
TEST_CASE("an audit line replaces path and operation bytes that are not UTF-8 and stays valid JSON") {
  std::string line;
  REQUIRE_NOTHROW(line = ringd::audit_line(entry("/v1/operations/cl\xff\xfe", "cl\xc3(up\x80")));
  const json parsed = json::parse(line, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  CHECK(parsed["path"] == "/v1/operations/cl\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(parsed["operation"] == "cl\xef\xbf\xbd(up\xef\xbf\xbd");
  CHECK(parsed["status"] == 202);
  CHECK(line.find('\n') == std::string::npos);
}
