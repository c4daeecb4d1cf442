#include "text/progress.h"

#include <unistd.h>

#include <cstdio>

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

}  // namespace ringctl
