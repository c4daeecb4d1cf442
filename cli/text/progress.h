// Progress on stderr while long work runs: the one renderer for ringctl's live lines (job
// bars of --wait, the lab's workload and convergence lines). Shown only when stderr is a
// terminal, so pipes and CI logs stay clean, and cut to the terminal's width so a line never
// wraps (a wrapped line cannot be redrawn in place).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace ringctl {

// The width of the terminal on stderr; $COLUMNS when it is not one; else 80.
int terminal_columns();

// Where a live line goes: stderr at the terminal's width on the steady clock; a test gives a
// stream, a fixed width and a clock of its own, so that what a terminal would show is read back.
struct LiveOutput {
  bool enabled = false;
  std::ostream* out = nullptr;  // nullptr: std::cerr
  int columns = 0;              // 0: terminal_columns(), asked at each draw (the window may change)
  std::function<std::chrono::steady_clock::time_point()> now;  // empty: the steady clock
};
// stderr, enabled when `enabled`.
LiveOutput stderr_output(bool enabled);

// One line on stderr, redrawn in place. Not thread-safe.
class StatusLine {
 public:
  StatusLine();  // enabled when stderr is a terminal
  explicit StatusLine(bool enabled);
  explicit StatusLine(LiveOutput output);
  ~StatusLine();  // clears the line when one was drawn
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  bool enabled() const { return output_.enabled; }
  // The output's width: its own, else the terminal's.
  int columns() const;
  // Replaces the line with `text`, cut to the terminal's width.
  void draw(const std::string& text);
  // Keeps the line drawn last: moves to the next one.
  void keep();

 private:
  std::ostream& out() const;

  LiveOutput output_;
  bool drawn_ = false;
};

// ProgressLine: a live "done/total unit (37%, 120/s)" line while workers advance `done`.
class ProgressLine {
 public:
  // Watches `done` (advanced by the workers) until destroyed; `what` names the unit ("rows").
  ProgressLine(std::string what, std::int64_t total, const std::atomic<std::int64_t>& done);
  ~ProgressLine();  // stops the reporter and clears the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  std::string text() const;

  std::string what_;
  std::int64_t total_;
  const std::atomic<std::int64_t>& done_;
  std::chrono::steady_clock::time_point start_;
  StatusLine line_;
  std::atomic<bool> stop_{false};
  std::thread reporter_;
};

// JobProgressLine: a job's bar, "decommission [=====>     ] 1.5 MiB / 4 MiB  37%  128 KiB/s  ETA 20s",
// the rate (and so the ETA) from the progress seen since the first observation.
class JobProgressLine {
 public:
  explicit JobProgressLine(bool enabled) : JobProgressLine(stderr_output(enabled)) {}
  explicit JobProgressLine(LiveOutput output);
  void show(const std::string& operation, std::int64_t done, std::int64_t total, const std::string& unit);
  // Keeps the bar drawn last on the terminal (else it is cleared when this goes away).
  void keep() { line_.keep(); }

 private:
  std::function<std::chrono::steady_clock::time_point()> now_;
  StatusLine line_;
  std::optional<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> first_;
};

// One progress-bar line for a job: "[=======>            ] 1.5 MiB / 4 MiB  37%  128 KiB/s  ETA 20s".
// `unit` "bytes" prints sizes and rates as nodetool does; anything else prints "done/total unit"
// and "N unit/s". `rate` is in units per second; without one (or at 0) the rate is left out and
// the ETA is "?". The percentage is "?" when total is 0. `width` is the bar's cells.
std::string progress_bar(std::int64_t done, std::int64_t total, const std::string& unit, std::optional<double> rate,
                         int width = 30);

// The bar after `prefix` fitted into `columns`: the bar narrows (to 5 cells at least) before
// the line is cut.
std::string fitted_progress_line(const std::string& prefix, std::int64_t done, std::int64_t total,
                                 const std::string& unit, std::optional<double> rate, int columns);

// Seconds as "45s", "12m05s", "3h02m".
std::string format_duration(double seconds);

}  // namespace ringctl
