// Wall-clock times on the wire: written to the millisecond in UTC, read back exactly.
#include "ringruntime/iso8601.h"

#include <doctest/doctest.h>

#include <string>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using ringruntime::format_iso8601_utc;
using ringruntime::parse_iso8601_utc;

Clock::time_point at(std::chrono::sys_days day, Clock::duration since_midnight = {}) {
  return Clock::time_point(day.time_since_epoch()) + since_midnight;
}

}  // namespace

TEST_CASE("times are written in UTC to the millisecond, the rest of the second dropped") {
  using std::chrono::November;
  CHECK(format_iso8601_utc(Clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(format_iso8601_utc(at(2026y / November / 22, 10h + 7s + 123ms)) == "2026-11-22T10:00:07.123Z");
  CHECK(format_iso8601_utc(at(2026y / November / 22, 23h + 59min + 59s + 999999us)) == "2026-11-22T23:59:59.999Z");
  CHECK(format_iso8601_utc(at(2024y / std::chrono::February / 29, 1ms)) == "2024-02-29T00:00:00.001Z");
}

TEST_CASE("times before 1970 are written as the calendar reads them") {
  CHECK(format_iso8601_utc(Clock::time_point{} - 1ms) == "1969-12-31T23:59:59.999Z");
  CHECK(format_iso8601_utc(Clock::time_point{} - 1500ms) == "1969-12-31T23:59:58.500Z");
  // Not a whole millisecond before the epoch: floored to the millisecond before, as after 1970.
  CHECK(format_iso8601_utc(Clock::time_point{} - 1us) == "1969-12-31T23:59:59.999Z");
  CHECK(format_iso8601_utc(at(1900y / std::chrono::March / 1, 12h)) == "1900-03-01T12:00:00.000Z");
}

TEST_CASE("what is written reads back to the same millisecond, before and after 1970") {
  for (const Clock::time_point time :
       {Clock::time_point{}, Clock::time_point{} - 1ms, Clock::time_point{} - 86'400'001ms,
        at(1969y / std::chrono::July / 20, 20h + 17min + 40s + 5ms), at(2026y / std::chrono::December / 4, 11h + 999ms),
        at(2200y / std::chrono::December / 31, 23h + 59min + 59s + 999ms)}) {
    const std::string text = format_iso8601_utc(time);
    CAPTURE(text);
    CHECK(parse_iso8601_utc(text) == time);
  }
}

TEST_CASE("fractions of a second are read to the clock's resolution, or absent") {
  const Clock::time_point noon = at(2026y / std::chrono::November / 22, 12h);
  CHECK(parse_iso8601_utc("2026-11-22T12:00:00Z") == noon);
  CHECK(parse_iso8601_utc("2026-11-22T12:00:00.5Z") == noon + 500ms);
  CHECK(parse_iso8601_utc("2026-11-22T12:00:00.000250Z") == noon + 250us);
  CHECK(parse_iso8601_utc("2026-11-22T12:00:00.123456789Z") == noon + std::chrono::floor<Clock::duration>(123456789ns));
  // Digits beyond nanoseconds are dropped, not rounded.
  CHECK(parse_iso8601_utc("2026-11-22T12:00:00.9999999999Z") ==
        noon + std::chrono::floor<Clock::duration>(999999999ns));
  CHECK(parse_iso8601_utc("1969-12-31T23:59:59.25Z") == Clock::time_point{} - 750ms);
  // A leap second reads as the next minute's first second.
  CHECK(parse_iso8601_utc("2016-12-31T23:59:60Z") == at(2017y / std::chrono::January / 1));
}

TEST_CASE("anything but that form is refused") {
  for (const char* text :
       {"", "2026-11-22", "2026-11-22T12:00:00", "2026-11-22T12:00:00+00:00", "2026-11-22T12:00:00.Z",
        "2026-11-22 12:00:00Z", "26-11-22T12:00:00Z", "2026-11-22T12:00:00Zjunk", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T12:60:00Z", "2026-11-22T12:00:61Z",
        "+026-11-22T12:00:00Z", "2026-1a-22T12:00:00Z"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_iso8601_utc(text).has_value());
  }
}
