#include "text/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "text/java_format.h"

namespace ringctl {

ProgressLine::ProgressLine(std::string what, std::int64_t total, const std::atomic<std::int64_t>& done)
    : what_(std::move(what)), total_(total), done_(done), start_(std::chrono::steady_clock::now()) {
  if (isatty(STDERR_FILENO) == 0) return;
  reporter_ = std::thread([this] {
    while (!stop_) {
      report();
      std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a refresh rate, not a wait
    }
  });
}

ProgressLine::~ProgressLine() {
  if (!reporter_.joinable()) return;
  stop_ = true;
  reporter_.join();
  std::fprintf(stderr, "\r\033[K");
}

void ProgressLine::report() const {
  const std::int64_t done = done_.load();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double percent = total_ > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  std::fprintf(stderr, "\r\033[K%lld/%lld %s (%.0f%%, %.0f/s)", static_cast<long long>(done),
               static_cast<long long>(total_), what_.c_str(), percent,
               seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
  std::fflush(stderr);
}

std::string format_duration(double seconds) {
  const auto total = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (total < 60) {
    std::snprintf(text, sizeof text, "%llds", total);
  } else if (total < 3600) {
    std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, total % 3600 / 60);
  }
  return text;
}

std::string progress_bar(std::int64_t done, std::int64_t total, const std::string& unit,
                         std::optional<double> eta_seconds, int width) {
  const double fraction = total > 0 ? std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0) : 0.0;
  const int filled = static_cast<int>(fraction * width);
  std::string bar = "[";
  for (int i = 0; i < width; ++i) bar += i < filled ? '=' : (i == filled && filled < width && total > 0 ? '>' : ' ');
  bar += "] ";
  if (unit == "bytes") {
    bar += format_file_size(static_cast<double>(done)) + " / " + format_file_size(static_cast<double>(total));
  } else {
    bar += std::to_string(done) + "/" + std::to_string(total) + " " + unit;
  }
  bar += total > 0 ? "  " + std::to_string(static_cast<int>(fraction * 100)) + "%" : "  ?%";
  bar += "  ETA " + (eta_seconds ? format_duration(*eta_seconds) : std::string("?"));
  return bar;
}

}  // namespace ringctl
