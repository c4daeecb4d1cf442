#include "ringcore/token.h"

#include <charconv>

namespace ringcore {

Result<Token> parse_token(std::string_view text) {
  Token token = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, token);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    return Error::invalid_input("'" + std::string(text) + "' is not a token (a decimal 64-bit integer)");
  }
  if (ec == std::errc::result_out_of_range) {
    return Error::invalid_input("token '" + std::string(text) +
                                "' is out of range (-9223372036854775808..9223372036854775807)");
  }
  return token;
}

std::string format_token(Token token) { return std::to_string(token); }

bool TokenRange::contains(Token token) const {
  if (wraps()) return token > left || token <= right;
  return token > left && token <= right;
}

std::string format_range(const TokenRange& range) {
  return "(" + format_token(range.left) + "," + format_token(range.right) + "]";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Result<TokenRange> parse_bounds(std::string_view text, std::string_view left, std::string_view right) {
  auto l = parse_token(trim(left));
  if (!l) return l.error().with_context("range '" + std::string(text) + "'");
  auto r = parse_token(trim(right));
  if (!r) return r.error().with_context("range '" + std::string(text) + "'");
  return TokenRange{*l, *r};
}

}  // namespace

Result<TokenRange> parse_range(std::string_view text) {
  std::string_view body = trim(text);
  if (body.size() >= 2 && body.front() == '(' && body.back() == ']') {
    body = body.substr(1, body.size() - 2);
    auto comma = body.find(',');
    if (comma != std::string_view::npos) return parse_bounds(text, body.substr(0, comma), body.substr(comma + 1));
  } else {
    // "left:right"; a leading '-' belongs to the left token, so search after the first char.
    auto colon = body.find(':', 1);
    if (colon != std::string_view::npos) return parse_bounds(text, body.substr(0, colon), body.substr(colon + 1));
  }
  return Error::invalid_input("'" + std::string(text) + "' is not a token range; expected (left,right] or left:right");
}

}  // namespace ringcore
