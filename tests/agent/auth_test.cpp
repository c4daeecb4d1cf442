// Who may call what: roles from bearer tokens, 401 for no or unknown token, 403 for a read
// token on a mutating call, open scraping and probes, everything allowed without tokens.
#include "auth.h"

#include <doctest/doctest.h>

namespace {

using ringd::Authenticator;
using ringd::Role;

const std::string kRead = "read-token-0123456789";
const std::string kAdmin = "admin-token-0123456789";

Authenticator with_tokens(bool open_metrics = true) { return Authenticator({kRead}, {kAdmin}, open_metrics); }

}  // namespace

TEST_CASE("tokens_equal compares whole tokens of any length") {
  CHECK(ringd::tokens_equal(kAdmin, kAdmin));
  CHECK_FALSE(ringd::tokens_equal(kAdmin, kAdmin + "x"));
  CHECK_FALSE(ringd::tokens_equal(kAdmin, kAdmin.substr(0, kAdmin.size() - 1)));
  CHECK_FALSE(ringd::tokens_equal(kAdmin, ""));
  CHECK(ringd::tokens_equal("", ""));
  CHECK_FALSE(ringd::tokens_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("the Authorization header's bearer token gives the role") {
  const Authenticator auth = with_tokens();
  CHECK(auth.role_of("Bearer " + kAdmin) == Role::kAdmin);
  CHECK(auth.role_of("Bearer " + kRead) == Role::kRead);
  CHECK(auth.role_of("Bearer nope-nope-nope-nope") == Role::kAnonymous);
  CHECK(auth.role_of(kAdmin) == Role::kAnonymous);             // no scheme
  CHECK(auth.role_of("Basic " + kAdmin) == Role::kAnonymous);  // another scheme
  CHECK(auth.role_of("Bearer ") == Role::kAnonymous);
  CHECK(auth.role_of("") == Role::kAnonymous);
}

TEST_CASE("with tokens: reads need a read or admin token, mutating calls an admin token") {
  const Authenticator auth = with_tokens();
  CHECK(auth.authorize("GET", "/v1/cluster", "Bearer " + kRead).allowed);
  CHECK(auth.authorize("GET", "/v1/cluster", "Bearer " + kAdmin).allowed);
  CHECK(auth.authorize("POST", "/v1/operations/cleanup", "Bearer " + kAdmin).allowed);

  const auto no_token = auth.authorize("POST", "/v1/operations/cleanup", "");
  CHECK_FALSE(no_token.allowed);
  CHECK(no_token.status == 401);
  CHECK(no_token.message ==
        "no bearer token: POST /v1/operations/cleanup needs an admin token (Authorization: Bearer <token>)");

  const auto unknown = auth.authorize("GET", "/v1/node", "Bearer " + kAdmin + "x");
  CHECK(unknown.status == 401);
  CHECK(unknown.message.starts_with("unknown bearer token: GET /v1/node needs a read or admin token"));

  const auto read_only = auth.authorize("PUT", "/v1/streams/throughput", "Bearer " + kRead);
  CHECK_FALSE(read_only.allowed);
  CHECK(read_only.status == 403);
  CHECK(read_only.role == Role::kRead);
}

TEST_CASE("/metrics and health probes are open while open_metrics is on") {
  CHECK(with_tokens(true).authorize("GET", "/metrics", "").allowed);
  CHECK(with_tokens(true).authorize("GET", "/v1/health/ready", "").allowed);
  CHECK(with_tokens(false).authorize("GET", "/metrics", "").status == 401);
  CHECK(with_tokens(false).authorize("GET", "/v1/health/live", "Bearer " + kRead).allowed);
}

TEST_CASE("without tokens every call is allowed, as anonymous") {
  const Authenticator open({}, {}, true);
  const auto decision = open.authorize("POST", "/v1/operations/decommission", "");
  CHECK(decision.allowed);
  CHECK(decision.role == Role::kAnonymous);
  CHECK(std::string(ringd::role_name(decision.role)) == "anonymous");
}
