#include "playbook/local_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace ringctl::playbook {

namespace {

using ringcore::Error;
using std::chrono::steady_clock;

// A pipe whose ends close with it; close-on-exec, so that no other child inherits them.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) {
      read_end = fds[0];
      write_end = fds[1];
      fcntl(read_end, F_SETFL, O_NONBLOCK);
    }
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool ok() const { return read_end >= 0; }
  void close_read() {
    if (read_end >= 0) close(read_end);
    read_end = -1;
  }
  void close_write() {
    if (write_end >= 0) close(write_end);
    write_end = -1;
  }
  int read_end = -1;
  int write_end = -1;
};

// Reads what `pipe` holds now into `text`; closes its read end at the end of the output.
void drain(Pipe& pipe, std::string& text) {
  char buffer[65536];
  while (pipe.read_end >= 0) {
    const ssize_t n = read(pipe.read_end, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      pipe.close_read();
    } else if (errno == EAGAIN) {
      return;
    }
  }
}

std::string shown(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& word : argv) text += (text.empty() ? "" : " ") + word;
  return text;
}

ringcore::Result<pid_t> spawn(const std::vector<std::string>& argv, Pipe& out, Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group (see the header), and signals as a fresh program expects them
  // whatever this process ignores or blocks.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP}) sigaddset(&defaults, signal);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &none);
  std::vector<char*> args;
  for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned == ENOENT) return Error::invalid_input("cannot run '" + argv[0] + "': not found on PATH");
  if (spawned != 0) return Error::invalid_input("cannot run '" + argv[0] + "': " + std::strerror(spawned));
  return pid;
}

int exit_status_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

ringcore::Result<ProcessOutcome> run_local(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  if (argv.empty() || argv[0].empty()) return Error::invalid_input("no program to run: the command is empty");
  const auto deadline = steady_clock::now() + timeout;
  Pipe out, err;
  if (!out.ok() || !err.ok()) return Error::failed(std::string("cannot make a pipe: ") + std::strerror(errno));
  auto pid = spawn(argv, out, err);
  if (!pid) return pid.error();
  out.close_write();
  err.close_write();

  ProcessOutcome outcome;
  for (;;) {
    int status = 0;
    if (waitpid(*pid, &status, WNOHANG) == *pid) {
      drain(out, outcome.out);
      drain(err, outcome.err);
      outcome.exit_status = exit_status_of(status);
      return outcome;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) {
      killpg(*pid, SIGKILL);
      waitpid(*pid, &status, 0);
      return Error::timed_out("did not finish within " + std::to_string(timeout.count()) +
                              " s and was killed: " + shown(argv));
    }
    // Wake for output, or every 50 ms to see whether the program exited (its output may stay
    // open in processes it left running).
    std::vector<pollfd> fds;
    for (const Pipe* pipe : {&out, &err}) {
      if (pipe->read_end >= 0) fds.push_back({pipe->read_end, POLLIN, 0});
    }
    poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left.count(), 50)));
    drain(out, outcome.out);
    drain(err, outcome.err);
  }
}

}  // namespace ringctl::playbook
