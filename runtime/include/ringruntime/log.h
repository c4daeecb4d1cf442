// The programs' log (ringd, ringnode): one line per event on stderr (journald keeps it under
// systemd), "2026-11-22T10:00:00.123Z WARN message", the time as format_iso8601_utc writes
// it. Thread-safe: lines from different threads never interleave.
#pragma once

#include <string_view>

namespace ringruntime {

void log_info(std::string_view message);
void log_warn(std::string_view message);
void log_error(std::string_view message);

}  // namespace ringruntime
