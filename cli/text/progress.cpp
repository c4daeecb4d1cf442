#include "text/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <utility>

#include "text/java_format.h"

namespace ringctl {

int terminal_columns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    const int parsed = std::atoi(columns);
    if (parsed > 0) return parsed;
  }
  return 80;
}

LiveOutput stderr_output(bool enabled) { return {enabled, nullptr, 0, {}}; }

StatusLine::StatusLine() : StatusLine(isatty(STDERR_FILENO) != 0) {}

StatusLine::StatusLine(bool enabled) : StatusLine(stderr_output(enabled)) {}

StatusLine::StatusLine(LiveOutput output) : output_(std::move(output)) {}

StatusLine::~StatusLine() {
  if (drawn_) out() << "\r\033[K" << std::flush;
}

std::ostream& StatusLine::out() const { return output_.out != nullptr ? *output_.out : std::cerr; }

int StatusLine::columns() const { return output_.columns > 0 ? output_.columns : terminal_columns(); }

void StatusLine::draw(const std::string& text) {
  if (!output_.enabled) return;
  // One column is left free: a line filling the last column wraps on some terminals.
  const auto width = static_cast<std::size_t>(std::max(columns() - 1, 1));
  out() << "\r\033[K" << text.substr(0, width) << std::flush;
  drawn_ = true;
}

void StatusLine::keep() {
  if (drawn_) out() << '\n' << std::flush;
  drawn_ = false;
}

ProgressLine::ProgressLine(std::string what, std::int64_t total, const std::atomic<std::int64_t>& done)
    : what_(std::move(what)), total_(total), done_(done), start_(std::chrono::steady_clock::now()) {
  if (!line_.enabled()) return;
  reporter_ = std::thread([this] {
    while (!stop_) {
      line_.draw(text());
      std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a refresh rate, not a wait
    }
  });
}

ProgressLine::~ProgressLine() {
  if (!reporter_.joinable()) return;
  stop_ = true;
  reporter_.join();
}

std::string ProgressLine::text() const {
  const std::int64_t done = done_.load();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double percent = total_ > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  char text[160];
  std::snprintf(text, sizeof text, "%lld/%lld %s (%.0f%%, %.0f/s)", static_cast<long long>(done),
                static_cast<long long>(total_), what_.c_str(), percent,
                seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
  return text;
}

JobProgressLine::JobProgressLine(LiveOutput output)
    : now_(output.now ? output.now : [] { return std::chrono::steady_clock::now(); }), line_(std::move(output)) {}

void JobProgressLine::show(const std::string& operation, std::int64_t done, std::int64_t total,
                           const std::string& unit) {
  if (!line_.enabled()) return;
  const auto now = now_();
  if (!first_) first_ = std::make_pair(now, done);
  std::optional<double> rate;
  const double seconds = std::chrono::duration<double>(now - first_->first).count();
  if (done > first_->second && seconds > 0) rate = static_cast<double>(done - first_->second) / seconds;
  line_.draw(fitted_progress_line(operation + " ", done, total, unit, rate, line_.columns() - 1));
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

std::string progress_bar(std::int64_t done, std::int64_t total, const std::string& unit, std::optional<double> rate,
                         int width) {
  const double fraction =
      total > 0 ? std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0) : 0.0;
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
  if (!rate || *rate <= 0) return bar + "  ETA ?";
  if (unit == "bytes") {
    bar += "  " + format_file_size(*rate) + "/s";
  } else {
    char text[48];
    std::snprintf(text, sizeof text, "  %.3g %s/s", *rate, unit.c_str());
    bar += text;
  }
  return bar + "  ETA " + format_duration(static_cast<double>(std::max<std::int64_t>(total - done, 0)) / *rate);
}

std::string fitted_progress_line(const std::string& prefix, std::int64_t done, std::int64_t total,
                                 const std::string& unit, std::optional<double> rate, int columns) {
  constexpr int kWidest = 30, kNarrowest = 5;
  const std::string widest = prefix + progress_bar(done, total, unit, rate, kWidest);
  const int spare = columns - static_cast<int>(widest.size());
  const int width = std::clamp(kWidest + std::min(spare, 0), kNarrowest, kWidest);
  const std::string line = prefix + progress_bar(done, total, unit, rate, width);
  return line.substr(0, static_cast<std::size_t>(std::max(columns, 0)));
}

}  // namespace ringctl
