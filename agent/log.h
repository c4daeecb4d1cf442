// ringd's log: one line per event on stderr (journald keeps it under systemd),
// "2026-11-22T10:00:00.123Z WARN message". Thread-safe: lines never interleave.
#pragma once

#include <string_view>

namespace ringd {

void log_info(std::string_view message);
void log_warn(std::string_view message);
void log_error(std::string_view message);

}  // namespace ringd
