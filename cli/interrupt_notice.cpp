#include "interrupt_notice.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace ringctl {
namespace {

// The handler may only call async-signal-safe functions: the message waits in a fixed buffer.
std::array<char, 1024> notice{};
std::size_t notice_length = 0;
struct sigaction previous {};

void on_interrupt(int) {
  const char clear[] = "\r\033[K";  // the progress line, if one was drawn
  if (isatty(STDERR_FILENO) != 0) (void)!write(STDERR_FILENO, clear, sizeof clear - 1);
  (void)!write(STDERR_FILENO, notice.data(), notice_length);
  _exit(130);
}

}  // namespace

InterruptNotice::InterruptNotice(const std::string& message) {
  const std::string line = "ringctl: interrupted: " + message + "\n";
  notice_length = std::min(line.size(), notice.size());
  std::copy_n(line.begin(), notice_length, notice.begin());
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &previous);
}

InterruptNotice::~InterruptNotice() { sigaction(SIGINT, &previous, nullptr); }

}  // namespace ringctl
