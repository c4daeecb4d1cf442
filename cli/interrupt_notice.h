// InterruptNotice: while it lives, Ctrl-C (SIGINT) does not leave the operator guessing: ringctl
// prints that the job goes on without it and how to follow it again, then exits 130 (the
// shell's code for SIGINT). For waits on work that runs elsewhere (an agent's job).
#pragma once

#include <string>

namespace ringctl {

class InterruptNotice {
 public:
  // `message` is printed on stderr as it is, on a line of its own.
  explicit InterruptNotice(const std::string& message);
  ~InterruptNotice();  // restores the previous handling of SIGINT
  InterruptNotice(const InterruptNotice&) = delete;
  InterruptNotice& operator=(const InterruptNotice&) = delete;
};

}  // namespace ringctl
