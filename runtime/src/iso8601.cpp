#include "ringruntime/iso8601.h"

#include <cstdio>

namespace ringruntime {
namespace {

using Clock = std::chrono::system_clock;

// Reads exactly `digits` decimal digits at `at`, moving past them; nullopt otherwise.
std::optional<int> fixed_digits(std::string_view text, std::size_t& at, std::size_t digits) {
  if (text.size() < at + digits) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  at += digits;
  return value;
}

bool expect(std::string_view text, std::size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

// ".123" (one digit or more) as nanoseconds, digits past the ninth dropped; 0 when there is
// no '.'. nullopt for a '.' without digits.
std::optional<std::chrono::nanoseconds> fraction(std::string_view text, std::size_t& at) {
  if (!expect(text, at, '.')) return std::chrono::nanoseconds(0);
  std::int64_t nanos = 0;
  std::size_t digits = 0;
  for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
    if (digits < 9) nanos = nanos * 10 + (text[at] - '0');
  }
  if (digits == 0) return std::nullopt;
  for (std::size_t i = digits; i < 9; ++i) nanos *= 10;
  return std::chrono::nanoseconds(nanos);
}

}  // namespace

std::string format_iso8601_utc(Clock::time_point time) {
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(millis);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss since_midnight{millis - day};
  char text[64];  // room for any int fields, so the compiler sees no truncation
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(since_midnight.hours().count()), static_cast<int>(since_midnight.minutes().count()),
                static_cast<int>(since_midnight.seconds().count()),
                static_cast<int>(since_midnight.subseconds().count()));
  return text;
}

std::optional<Clock::time_point> parse_iso8601_utc(std::string_view text) {
  std::size_t at = 0;
  const auto year = fixed_digits(text, at, 4);
  if (!year || !expect(text, at, '-')) return std::nullopt;
  const auto month = fixed_digits(text, at, 2);
  if (!month || !expect(text, at, '-')) return std::nullopt;
  const auto day = fixed_digits(text, at, 2);
  if (!day || !expect(text, at, 'T')) return std::nullopt;
  const auto hour = fixed_digits(text, at, 2);
  if (!hour || !expect(text, at, ':')) return std::nullopt;
  const auto minute = fixed_digits(text, at, 2);
  if (!minute || !expect(text, at, ':')) return std::nullopt;
  const auto second = fixed_digits(text, at, 2);
  if (!second) return std::nullopt;
  const auto sub_second = fraction(text, at);
  if (!sub_second || !expect(text, at, 'Z') || at != text.size()) return std::nullopt;

  const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const auto since_midnight =
      std::chrono::hours(*hour) + std::chrono::minutes(*minute) + std::chrono::seconds(*second) + *sub_second;
  return Clock::time_point(
      std::chrono::floor<Clock::duration>(std::chrono::sys_days(date).time_since_epoch() + since_midnight));
}

}  // namespace ringruntime
