#include "ringcore/gossip/application_state.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace ringcore::gossip {
namespace {

constexpr std::array<const char*, kApplicationStateCount> kNames = {
    "STATUS",
    "LOAD",
    "SCHEMA",
    "DC",
    "RACK",
    "RELEASE_VERSION",
    "REMOVAL_COORDINATOR",
    "INTERNAL_IP",
    "RPC_ADDRESS",
    "X_11_PADDING",
    "SEVERITY",
    "NET_VERSION",
    "HOST_ID",
    "TOKENS",
    "RPC_READY",
    "INTERNAL_ADDRESS_AND_PORT",
    "NATIVE_ADDRESS_AND_PORT",
    "STATUS_WITH_PORT",
    "SSTABLE_VERSIONS",
    "DISK_USAGE",
    "INDEX_STATUS",
    "X1",
    "X2",
    "X3",
    "X4",
    "X5",
    "X6",
    "X7",
    "X8",
    "X9",
    "X10",
};

}  // namespace

const char* application_state_name(ApplicationState state) { return kNames[static_cast<std::size_t>(state)]; }

std::optional<ApplicationState> parse_application_state(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (name == kNames[i]) return static_cast<ApplicationState>(i);
  }
  return std::nullopt;
}

std::string format_tokens_value(std::vector<Token> tokens) {
  std::sort(tokens.begin(), tokens.end());
  std::string text;
  for (Token token : tokens) {
    if (!text.empty()) text += ',';
    text += format_token(token);
  }
  return text;
}

Result<std::vector<Token>> parse_tokens_value(std::string_view text) {
  std::vector<Token> tokens;
  if (text.empty()) return tokens;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    auto token = parse_token(item);
    if (!token) return token.error().with_context("TOKENS entry " + std::to_string(tokens.size()));
    tokens.push_back(*token);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return tokens;
}

std::string format_load_value(double bytes) {
  // The shortest digits that read back as `bytes`, as "d.ddde+XX"; Java places the same digits.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, bytes, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  const std::size_t e = text.find('e');
  std::string digits(text.substr(0, e));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exponent = std::stoi(std::string(text.substr(e + 1)));

  if (bytes != 0 && (bytes < 1e-3 || bytes >= 1e7)) {  // computerized scientific notation
    std::string mantissa = digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0");
    return mantissa + "E" + std::to_string(exponent);
  }
  if (bytes == 0) return "0.0";
  if (exponent < 0) return "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const auto integer_digits = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= integer_digits) return digits + std::string(integer_digits - digits.size(), '0') + ".0";
  return digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
}

Result<double> parse_load_value(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0) {
    return Error::invalid_input("LOAD '" + std::string(text) + "' is not a non-negative number of bytes");
  }
  return value;
}

}  // namespace ringcore::gossip
