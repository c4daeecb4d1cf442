#include "log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "iso_time.h"

namespace ringd {
namespace {

void emit(const char* level, std::string_view message) {
  static std::mutex mutex;
  const std::string line = format_iso8601(std::chrono::system_clock::now()) + " " + level + " " + std::string(message) + "\n";
  std::lock_guard lock(mutex);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace

void log_info(std::string_view message) { emit("INFO", message); }
void log_warn(std::string_view message) { emit("WARN", message); }
void log_error(std::string_view message) { emit("ERROR", message); }

}  // namespace ringd
