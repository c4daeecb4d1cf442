#include "support/run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

extern char** environ;

namespace test_support {
namespace {

// Close-on-exec, so that a process another thread starts meanwhile does not inherit this
// one's pipes: a lab node it leaves running would hold the write end, and this call would
// wait for an end of output that never comes. (dup2 onto 0, 1, 2 clears the flag there.)
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    read_end = fds[0];
    write_end = fds[1];
  }
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input) {
  Pipe in, out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read_end, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, 2);
  for (int fd : {in.read_end, in.write_end, out.read_end, out.write_end, err.read_end, err.write_end}) {
    posix_spawn_file_actions_addclose(&actions, fd);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in.read_end);
  close(out.write_end);
  close(err.write_end);
  if (spawned != 0) throw std::runtime_error("cannot start " + argv[0]);

  // Feed stdin and drain both outputs together so that no pipe fills up and blocks.
  ProcessResult result;
  std::size_t written = 0;
  if (input.empty()) close(in.write_end);
  bool in_open = !input.empty(), out_open = true, err_open = true;
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (in_open) fds.push_back({in.write_end, POLLOUT, 0});
    if (out_open) fds.push_back({out.read_end, POLLIN, 0});
    if (err_open) fds.push_back({err.read_end, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in.write_end) {
        const ssize_t n = write(in.write_end, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if (n <= 0 || written == input.size()) {
          close(in.write_end);
          in_open = false;
        }
        continue;
      }
      char buffer[65536];
      const ssize_t n = read(p.fd, buffer, sizeof buffer);
      std::string& target = p.fd == out.read_end ? result.out : result.err;
      if (n > 0) {
        target.append(buffer, static_cast<std::size_t>(n));
      } else {
        close(p.fd);
        (p.fd == out.read_end ? out_open : err_open) = false;
      }
    }
  }
  if (in_open) close(in.write_end);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace test_support
