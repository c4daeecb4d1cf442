// Wall-clock times as ringd writes them: ISO 8601 in UTC with milliseconds,
// "2026-11-22T10:00:00.123Z" (freshness, audit log, log lines).
#pragma once

#include <chrono>
#include <string>

namespace ringd {

std::string format_iso8601(std::chrono::system_clock::time_point time);

}  // namespace ringd
