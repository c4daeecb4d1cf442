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
  const std::string stamp = iso8601_utc(std::chrono::system_clock::now());
  std::lock_guard lock(log_mutex);
  std::fprintf(stderr, "%s %s %.*s\n", stamp.c_str(), level, static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", stamp, static_cast<int>(millis));
  return out;
}

void log_info(std::string_view message) { write_line("INFO", message); }
void log_warn(std::string_view message) { write_line("WARN", message); }
void log_error(std::string_view message) { write_line("ERROR", message); }

}  // namespace ringnode
