// Which outcomes of a lab write send it on to the next coordinator (lab/coordinators.h): those
// where the coordinator did nothing with the request, never an answer it acted on.
#include "lab/coordinators.h"

#include <doctest/doctest.h>

#include <string>

namespace {

using ringctl::lab::ask_another;

ringcore::Result<ringnet::HttpResponse> answer(int status, const std::string& code) {
  const std::string body =
      code.empty() ? R"({"ok": true})" : R"({"error": {"code": ")" + code + R"(", "message": "as the node said"}})";
  return ringnet::HttpResponse{status, body, "application/json"};
}

}  // namespace

TEST_CASE("a coordinator not reached, short of replicas, or that could not read the request is passed over") {
  CHECK(ask_another(ringcore::Error(ringcore::ErrorCode::kUnavailable, "cannot connect: connection refused")));
  CHECK(ask_another(answer(503, "unavailable")));
  // As a node answers when it stops with the request half read.
  CHECK(ask_another(answer(400, "request_unread")));
  CHECK(ask_another(answer(408, "request_unread")));
}

TEST_CASE("an answer the coordinator acted on, or a request it refused as wrong, is the write's outcome") {
  CHECK_FALSE(ask_another(answer(200, "")));
  CHECK_FALSE(ask_another(answer(400, "invalid_input")));
  CHECK_FALSE(ask_another(answer(500, "failed")));
  CHECK_FALSE(ask_another(ringnet::HttpResponse{400, "not json", "text/plain"}));
}
