// ringnode's log: one line per event on stderr, "2024-05-01T12:00:00.123Z INFO message".
// Thread-safe: lines from different threads never interleave.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ringnode {

void log_info(std::string_view message);
void log_warn(std::string_view message);
void log_error(std::string_view message);

// "2024-05-01T12:00:00.123Z": how the log and the API write times.
std::string iso8601_utc(std::chrono::system_clock::time_point time);

}  // namespace ringnode
