#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

namespace ringd {
namespace {

std::array<unsigned char, SHA256_DIGEST_LENGTH> digest(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

bool any_equal(const std::vector<std::string>& tokens, std::string_view presented) {
  bool found = false;
  for (const std::string& token : tokens) found |= tokens_equal(token, presented);  // no early exit
  return found;
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::kAnonymous:
      return "anonymous";
    case Role::kRead:
      return "read";
    case Role::kAdmin:
      return "admin";
  }
  return "anonymous";
}

bool tokens_equal(std::string_view a, std::string_view b) {
  const auto left = digest(a);
  const auto right = digest(b);
  return CRYPTO_memcmp(left.data(), right.data(), left.size()) == 0;
}

Authenticator::Authenticator(std::vector<std::string> read_tokens, std::vector<std::string> admin_tokens,
                             bool open_metrics)
    : read_tokens_(std::move(read_tokens)), admin_tokens_(std::move(admin_tokens)), open_metrics_(open_metrics) {}

Role Authenticator::role_of(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() || authorization.substr(0, kScheme.size()) != kScheme)
    return Role::kAnonymous;
  const std::string_view token = authorization.substr(kScheme.size());
  const bool admin = any_equal(admin_tokens_, token);
  const bool read = any_equal(read_tokens_, token);
  return admin ? Role::kAdmin : read ? Role::kRead : Role::kAnonymous;
}

AuthDecision Authenticator::authorize(const std::string& method, const std::string& path,
                                      std::string_view authorization) const {
  const Role role = role_of(authorization);
  if (read_tokens_.empty() && admin_tokens_.empty()) return {true, 200, role, ""};
  if (open_metrics_ && (path == "/metrics" || path.starts_with("/v1/health/"))) return {true, 200, role, ""};
  const bool mutating = method != "GET";
  if (role == Role::kAnonymous) {
    const std::string needed = mutating ? "an admin token" : "a read or admin token";
    return {false, 401, role,
            std::string(authorization.empty() ? "no bearer token" : "unknown bearer token") + ": " + method + " " +
                path + " needs " + needed + " (Authorization: Bearer <token>)"};
  }
  if (mutating && role != Role::kAdmin) {
    return {false, 403, role, "a read token cannot " + method + " " + path + ": it needs an admin token"};
  }
  return {true, 200, role, ""};
}

}  // namespace ringd
