// ProgressLine: a live "done/total (rate/s)" line on stderr while long work runs, shown only
// when stderr is a terminal, so pipes and CI logs stay clean.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
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

}  // namespace ringctl
