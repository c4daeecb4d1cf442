#include "node_identity.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "ringcore/gossip/application_state.h"

namespace ringnode {
namespace {

constexpr const char* kHostIdKey = "local:host_id";
constexpr const char* kTokensKey = "local:tokens";
constexpr const char* kGenerationKey = "local:generation";

}  // namespace

std::unique_ptr<ringcore::Random> entropy_random() {
  std::random_device device;  // reads /dev/urandom on Linux
  const std::uint64_t seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  return std::make_unique<ringcore::SplitMix64>(seed);
}

std::string format_uuid(std::uint64_t high, std::uint64_t low) {
  char text[37];
  std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xffff), static_cast<unsigned long long>(high & 0xffff),
                static_cast<unsigned long long>(low >> 48), static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

std::string random_uuid(ringcore::Random& random) {
  std::uint64_t high = random.next_u64();
  std::uint64_t low = random.next_u64();
  high = (high & ~0xf000ULL) | 0x4000ULL;            // version 4
  low = (low & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // variant 10xx
  return format_uuid(high, low);
}

ringcore::Result<std::optional<NodeIdentity>> load_identity(const Storage& storage) {
  auto host_id = storage.get_local(kHostIdKey);
  if (!host_id) return host_id.error();
  if (!*host_id) return std::optional<NodeIdentity>();
  auto tokens_text = storage.get_local(kTokensKey);
  if (!tokens_text) return tokens_text.error();
  NodeIdentity identity{**host_id, {}};
  if (*tokens_text) {
    auto tokens = ringcore::gossip::parse_tokens_value(**tokens_text);
    if (!tokens) return tokens.error().with_context("stored tokens in " + storage.directory());
    identity.tokens = std::move(tokens).value();
    std::sort(identity.tokens.begin(), identity.tokens.end());
  }
  return std::optional<NodeIdentity>(std::move(identity));
}

ringcore::Status save_identity(Storage& storage, const NodeIdentity& identity) {
  if (!identity.tokens.empty()) {
    auto saved = storage.put_local(kTokensKey, ringcore::gossip::format_tokens_value(identity.tokens));
    if (!saved) return saved;
  }
  return storage.put_local(kHostIdKey, identity.host_id);
}

ringcore::Result<std::int64_t> next_generation(Storage& storage, std::int64_t now_seconds) {
  auto previous = storage.get_local(kGenerationKey);
  if (!previous) return previous.error();
  std::int64_t generation = now_seconds;
  if (*previous) {
    try {
      generation = std::max<std::int64_t>(generation, std::stoll(**previous) + 1);
    } catch (const std::exception&) {
      return ringcore::Error::failed("stored generation '" + **previous + "' in " + storage.directory() +
                                     " is not a number");
    }
  }
  auto saved = storage.put_local(kGenerationKey, std::to_string(generation));
  if (!saved) return saved.error();
  return generation;
}

}  // namespace ringnode
