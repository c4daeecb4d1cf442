// Who may call what: bearer tokens in two roles (docs/api.md "Authentication").
//
// With no token configured (ringd then listens on loopback only) every call is allowed. With
// tokens: GET needs a read or admin token, other methods an admin token; /metrics and
// /v1/health/* stay open for scrapers and probes when open_metrics is on (the default).
// A missing or unknown token is 401, a read token on a mutating call 403.
// Thread-safety: const after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ringd {

enum class Role { kAnonymous, kRead, kAdmin };

const char* role_name(Role role);  // "anonymous", "read", "admin"

// Whether two tokens are equal, in time independent of where they differ and of their
// lengths: both are hashed (SHA-256) and the digests compared with CRYPTO_memcmp.
bool tokens_equal(std::string_view a, std::string_view b);

struct AuthDecision {
  bool allowed = false;
  int status = 200;  // 401 or 403 when refused
  Role role = Role::kAnonymous;
  std::string message;  // why it was refused
};

class Authenticator {
 public:
  Authenticator(std::vector<std::string> read_tokens, std::vector<std::string> admin_tokens, bool open_metrics);

  // The role an Authorization header value ("Bearer <token>") carries; kAnonymous when it is
  // missing, malformed or names no configured token. Compares against every token.
  Role role_of(std::string_view authorization) const;

  AuthDecision authorize(const std::string& method, const std::string& path, std::string_view authorization) const;

 private:
  std::vector<std::string> read_tokens_;
  std::vector<std::string> admin_tokens_;
  bool open_metrics_;
};

}  // namespace ringd
