// Wall-clock times as the programs write them: ISO 8601 in UTC with milliseconds,
// "2026-11-22T10:00:00.123Z". Job times (ringnode), freshness and the audit log (ringd), and
// every log line use this form; readers parse it back with parse_iso8601_utc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ringruntime {

// `time` floored to the millisecond, so a time before 1970 still reads as the calendar does
// (one millisecond before the epoch is "1969-12-31T23:59:59.999Z"). REQUIRES: a year from
// 0 to 9999.
std::string format_iso8601_utc(std::chrono::system_clock::time_point time);

// "YYYY-MM-DDTHH:MM:SS[.fraction]Z": what format_iso8601_utc writes, with any number of
// fraction digits (kept to the clock's resolution, the rest dropped) or none. Seconds may be
// 60 (a leap second counts as the next minute's first). nullopt for anything else: another
// zone or offset, a missing field, a date that does not exist.
std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view text);

}  // namespace ringruntime
