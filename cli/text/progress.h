// ProgressLine: a live "done/total (rate/s)" line on stderr while long work runs, shown only
// when stderr is a terminal, so pipes and CI logs stay clean.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace ringctl {

class ProgressLine {
 public:
  // Watches `done` (advanced by the workers) until destroyed; `what` names the unit ("rows").
  ProgressLine(std::string what, std::int64_t total, const std::atomic<std::int64_t>& done);
  ~ProgressLine();  // stops the reporter and clears the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void report() const;

  std::string what_;
  std::int64_t total_;
  const std::atomic<std::int64_t>& done_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::thread reporter_;
};

// One progress-bar line for a job: "[=======>            ] 1.5 MiB / 4 MiB  37%  ETA 12s".
// `unit` "bytes" prints sizes as nodetool does; anything else prints "done/total unit".
// The ETA is "?" when unknown; the percentage "?" when total is 0. `width` is the bar's cells.
std::string progress_bar(std::int64_t done, std::int64_t total, const std::string& unit,
                         std::optional<double> eta_seconds, int width = 30);

// Seconds as "45s", "12m05s", "3h02m".
std::string format_duration(double seconds);

}  // namespace ringctl
