#include "log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace ringnode {
namespace {

std::mutex log_mutex;

void write_line(const char* level, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::lock_guard lock(log_mutex);
  std::fprintf(stderr, "%s.%03dZ %s %.*s\n", stamp, static_cast<int>(millis), level, static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
}

}  // namespace

void log_info(std::string_view message) { write_line("INFO", message); }
void log_warn(std::string_view message) { write_line("WARN", message); }
void log_error(std::string_view message) { write_line("ERROR", message); }

}  // namespace ringnode
