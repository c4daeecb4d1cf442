#include "lab/lab_processes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ringcore/error.h"

namespace ringctl::lab {
namespace {

namespace fs = std::filesystem;
using ringcore::Error;

bool is_executable(const fs::path& path) { return access(path.c_str(), X_OK) == 0 && fs::is_regular_file(path); }

// True if `pid` is alive and is a ringnode (a recycled pid may belong to something else).
bool is_ringnode(pid_t pid) {
  if (kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return fs::path(argv0).filename() == "ringnode";
}

[[noreturn]] void exec_node(const Lab& lab, const LabNode& node, const std::string& ringnode) {
  const int log = open(lab.log_path(node).c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int null = open("/dev/null", O_RDONLY);
  if (log < 0 || null < 0) _exit(127);
  dup2(null, 0);
  dup2(log, 1);
  dup2(log, 2);
  const std::string config = lab.config_path(node);
  execl(ringnode.c_str(), "ringnode", "--config", config.c_str(), static_cast<char*>(nullptr));
  _exit(127);
}

}  // namespace

std::string find_ringnode_binary() {
  if (const char* path = std::getenv("RINGCTL_RINGNODE"); path != nullptr && *path != '\0') {
    if (!is_executable(path)) throw Error::invalid_input("RINGCTL_RINGNODE=" + std::string(path) + " is not executable");
    return path;
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate : {self.parent_path() / "../labnode/ringnode", self.parent_path() / "ringnode"}) {
      if (is_executable(candidate)) return fs::weakly_canonical(candidate).string();
    }
  }
  if (const char* path_env = std::getenv("PATH"); path_env != nullptr) {
    std::string paths = path_env;
    for (std::size_t start = 0; start <= paths.size();) {
      std::size_t end = paths.find(':', start);
      if (end == std::string::npos) end = paths.size();
      const fs::path candidate = fs::path(paths.substr(start, end - start)) / "ringnode";
      if (is_executable(candidate)) return candidate.string();
      start = end + 1;
    }
  }
  throw Error::not_found("cannot find the ringnode binary (set RINGCTL_RINGNODE, or build it beside ringctl)");
}

pid_t start_node(const Lab& lab, const LabNode& node, const std::string& ringnode) {
  int channel[2];
  if (pipe(channel) != 0) throw Error::failed(std::string("pipe: ") + std::strerror(errno));
  const pid_t child = fork();
  if (child < 0) throw Error::failed(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    // Double fork: the node runs in its own session and is reparented to init, so it outlives
    // ringctl and never lingers as our zombie.
    close(channel[0]);
    setsid();
    const pid_t node_pid = fork();
    if (node_pid == 0) {
      close(channel[1]);
      exec_node(lab, node, ringnode);
    }
    const ssize_t written = write(channel[1], &node_pid, sizeof node_pid);
    _exit(written == sizeof node_pid && node_pid > 0 ? 0 : 1);
  }
  close(channel[1]);
  pid_t node_pid = -1;
  const ssize_t got = read(channel[0], &node_pid, sizeof node_pid);
  close(channel[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (got != sizeof node_pid || node_pid <= 0) throw Error::failed("could not start ringnode for " + node.name);
  std::ofstream(lab.pid_path(node), std::ios::trunc) << node_pid << '\n';
  return node_pid;
}

std::optional<pid_t> running_pid(const Lab& lab, const LabNode& node) {
  std::ifstream in(lab.pid_path(node));
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0 || !is_ringnode(pid)) return std::nullopt;
  return pid;
}

bool signal_node(const Lab& lab, const LabNode& node, int signal) {
  const auto pid = running_pid(lab, node);
  return pid && kill(*pid, signal) == 0;
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (is_ringnode(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a process we cannot wait() on
  }
  return true;
}

}  // namespace ringctl::lab
