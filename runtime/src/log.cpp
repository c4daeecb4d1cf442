#include "ringruntime/log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "ringruntime/iso8601.h"

namespace ringruntime {
namespace {

void write_line(const char* level, std::string_view message) {
  static std::mutex mutex;
  const std::string line =
      format_iso8601_utc(std::chrono::system_clock::now()) + " " + level + " " + std::string(message) + "\n";
  std::lock_guard lock(mutex);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace

void log_info(std::string_view message) { write_line("INFO", message); }
void log_warn(std::string_view message) { write_line("WARN", message); }
void log_error(std::string_view message) { write_line("ERROR", message); }

}  // namespace ringruntime
