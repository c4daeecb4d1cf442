#include "ringcore/gossip/gossip_status.h"

#include <array>
#include <charconv>
#include <vector>

namespace ringcore::gossip {
namespace {

struct KindInfo {
  StatusKind kind;
  const char* keyword;
};

constexpr std::array<KindInfo, 10> kKinds = {{
    {StatusKind::kBoot, "BOOT"},
    {StatusKind::kBootReplace, "BOOT_REPLACE"},
    {StatusKind::kNormal, "NORMAL"},
    {StatusKind::kShutdown, "shutdown"},
    {StatusKind::kLeaving, "LEAVING"},
    {StatusKind::kLeft, "LEFT"},
    {StatusKind::kMoving, "MOVING"},
    {StatusKind::kRemoving, "removing"},
    {StatusKind::kRemoved, "removed"},
    {StatusKind::kHibernate, "hibernate"},
}};

std::vector<std::string_view> split_fields(std::string_view value) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(value.substr(start));
      return fields;
    }
    fields.push_back(value.substr(start, comma - start));
    start = comma + 1;
  }
}

std::string joined(std::initializer_list<std::string_view> fields) {
  std::string text;
  for (std::string_view field : fields) {
    if (!text.empty()) text += ',';
    text += field;
  }
  return text;
}

// The number of fields each kind carries after its keyword.
std::size_t field_count(StatusKind kind) {
  switch (kind) {
    case StatusKind::kLeft:
    case StatusKind::kRemoved:
      return 2;
    default:
      return 1;
  }
}

Error bad(std::string_view value, const std::string& what) {
  return Error::invalid_input("STATUS '" + std::string(value) + "': " + what);
}

Result<std::int64_t> parse_expiry(std::string_view value, std::string_view text) {
  std::int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || ms < 0) {
    return bad(value, "expiry time '" + std::string(text) + "' is not a non-negative integer");
  }
  return ms;
}

}  // namespace

const char* status_kind_keyword(StatusKind kind) {
  for (const KindInfo& info : kKinds) {
    if (info.kind == kind) return info.keyword;
  }
  return "?";
}

std::string status_boot(Token token) { return joined({"BOOT", format_token(token)}); }
std::string status_boot_replace(std::string_view replaced_address) {
  return joined({"BOOT_REPLACE", replaced_address});
}
std::string status_normal(Token token) { return joined({"NORMAL", format_token(token)}); }
std::string status_shutdown() { return "shutdown,true"; }
std::string status_leaving(Token token) { return joined({"LEAVING", format_token(token)}); }
std::string status_left(Token token, std::int64_t expire_ms) {
  return joined({"LEFT", format_token(token), std::to_string(expire_ms)});
}
std::string status_moving(Token token) { return joined({"MOVING", format_token(token)}); }
std::string status_removing(std::string_view host_id) { return joined({"removing", host_id}); }
std::string status_removed(std::string_view host_id, std::int64_t expire_ms) {
  return joined({"removed", host_id, std::to_string(expire_ms)});
}
std::string status_hibernate() { return "hibernate,true"; }

Result<GossipStatus> parse_status_value(std::string_view value) {
  const std::vector<std::string_view> fields = split_fields(value);
  const KindInfo* info = nullptr;
  for (const KindInfo& candidate : kKinds) {
    if (fields[0] == candidate.keyword) info = &candidate;
  }
  if (info == nullptr) return bad(value, "unknown status '" + std::string(fields[0]) + "'");
  const std::size_t expected = field_count(info->kind);
  if (fields.size() - 1 != expected) {
    return bad(value, std::string(info->keyword) + " takes " + std::to_string(expected) + " field(s), not " +
                          std::to_string(fields.size() - 1));
  }

  GossipStatus status;
  status.kind = info->kind;
  const std::string_view first = fields[1];
  switch (info->kind) {
    case StatusKind::kShutdown:
    case StatusKind::kHibernate:
      if (first != "true") return bad(value, "expected 'true' after the keyword");
      break;
    case StatusKind::kBootReplace:
      if (first.empty()) return bad(value, "the replaced address is empty");
      status.replaced_address = first;
      break;
    case StatusKind::kRemoving:
    case StatusKind::kRemoved:
      if (first.empty()) return bad(value, "the host id is empty");
      status.host_id = first;
      break;
    default: {
      auto token = parse_token(first);
      if (!token) return bad(value, token.error().message());
      status.token = *token;
    }
  }
  if (expected == 2) {
    auto expiry = parse_expiry(value, fields[2]);
    if (!expiry) return expiry.error();
    status.expire_ms = *expiry;
  }
  return status;
}

std::optional<NodeState> node_state_of(StatusKind kind) {
  switch (kind) {
    case StatusKind::kBoot:
    case StatusKind::kBootReplace:
      return NodeState::kJoining;
    case StatusKind::kLeaving:
    case StatusKind::kRemoving:
      return NodeState::kLeaving;
    case StatusKind::kMoving:
      return NodeState::kMoving;
    case StatusKind::kLeft:
    case StatusKind::kRemoved:
      return std::nullopt;
    case StatusKind::kNormal:
    case StatusKind::kShutdown:
    case StatusKind::kHibernate:
      break;
  }
  return NodeState::kNormal;
}

bool is_dead_state(StatusKind kind) {
  return kind == StatusKind::kRemoving || kind == StatusKind::kRemoved || kind == StatusKind::kLeft ||
         kind == StatusKind::kHibernate;
}

bool is_silent_shutdown_state(StatusKind kind) {
  return is_dead_state(kind) || kind == StatusKind::kBoot || kind == StatusKind::kBootReplace;
}

}  // namespace ringcore::gossip
