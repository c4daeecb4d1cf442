// How a server process (ringd, ringnode, the benchmarks' servers) stops: on SIGTERM or SIGINT,
// received by the main thread alone. Constructed first in main, before any thread starts, it
// blocks both signals (threads inherit the mask, so none is interrupted by them) and ignores
// SIGPIPE (a peer closing its socket fails the write instead of killing the process); wait()
// then returns when one of them arrives.
//
//   ringruntime::StopSignals stop;  // before any thread
//   ... start the servers ...
//   const int received = stop.wait();
#pragma once

#include <csignal>

namespace ringruntime {

class StopSignals {
 public:
  StopSignals();
  // Blocks until SIGTERM or SIGINT arrives; returns which.
  int wait() const;

 private:
  sigset_t signals_;
};

// "SIGTERM" or "SIGINT", for the log line saying why a process stops.
const char* stop_signal_name(int signal);

}  // namespace ringruntime
