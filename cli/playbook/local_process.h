// Running a local program to its end with its output captured and a deadline: the command
// launcher's way to run what starts and stops a node (systemctl, ansible-playbook, a script).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ringcore/error.h"

namespace ringctl::playbook {

// What a program did: its exit status (128 + N when signal N ended it, as a shell reports it)
// and what it wrote to stdout and stderr.
struct ProcessOutcome {
  int exit_status = -1;
  std::string out;
  std::string err;
};

// Runs `argv` directly, no shell between: argv[0] is looked up on PATH, nothing is expanded.
// stdin is /dev/null. The program runs in a process group of its own, so Ctrl-C at the
// terminal does not cut it short mid-way (the playbook stops between steps instead), and at
// `timeout` the whole group is sent SIGKILL and kTimedOut returned. Returns once the program
// has exited: output that processes it left running write later is not captured (redirect a
// daemon's output, as systemctl does). A non-zero exit status is not an error: it is in the
// outcome. Errors: kInvalidInput when argv is empty or its program cannot be found or run.
ringcore::Result<ProcessOutcome> run_local(const std::vector<std::string>& argv, std::chrono::seconds timeout);

}  // namespace ringctl::playbook
