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
#include <vector>

#include "ringcore/error.h"
#include "ringnet/listen_address.h"
#include "ringruntime/wait.h"

namespace ringctl::lab {
namespace {

namespace fs = std::filesystem;
using ringcore::Error;

bool is_executable(const fs::path& path) { return access(path.c_str(), X_OK) == 0 && fs::is_regular_file(path); }

// The program `pid` runs (argv[0]'s file name); "" when it is gone or a zombie.
std::string program_of(pid_t pid) {
  if (kill(pid, 0) != 0 && errno != EPERM) return "";
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return fs::path(argv0).filename().string();
}

// True if `pid` is alive and runs `program` (a recycled pid may belong to something else).
bool runs(pid_t pid, const std::string& program) { return program_of(pid) == program; }

// `program`: $<env>, else beside ringctl (<sibling_dir>/<program> of the build tree, or the
// same directory), else on PATH.
std::string find_binary(const std::string& program, const char* env, const std::string& sibling_dir) {
  if (const char* path = std::getenv(env); path != nullptr && *path != '\0') {
    if (!is_executable(path)) throw Error::invalid_input(std::string(env) + "=" + path + " is not executable");
    return path;
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate :
         {self.parent_path() / ".." / sibling_dir / program, self.parent_path() / program}) {
      if (is_executable(candidate)) return fs::weakly_canonical(candidate).string();
    }
  }
  if (const char* path_env = std::getenv("PATH"); path_env != nullptr) {
    std::string paths = path_env;
    for (std::size_t start = 0; start <= paths.size();) {
      std::size_t end = paths.find(':', start);
      if (end == std::string::npos) end = paths.size();
      const fs::path candidate = fs::path(paths.substr(start, end - start)) / program;
      if (is_executable(candidate)) return candidate.string();
      start = end + 1;
    }
  }
  throw Error::not_found("cannot find the " + program + " binary (set " + env + ", or build it beside ringctl)");
}

// Replaces this process with `binary`, given `argv` (argv[0] the short name /proc shows),
// stdin from /dev/null and stdout/stderr appended to `log_path`, and no other descriptor:
// a daemon must not keep its starter's pipes open (whoever reads ringctl's output would wait
// for its end as long as the node runs). They close on exec rather than before it, so that
// spawn_detached's channel ends exactly when the program has started.
[[noreturn]] void exec_program(const std::string& binary, const std::vector<std::string>& argv,
                               const std::string& log_path) {
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int null = open("/dev/null", O_RDONLY);
  if (log < 0 || null < 0) _exit(127);
  dup2(null, 0);
  dup2(log, 1);
  dup2(log, 2);
  if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) close_range(3, ~0U, 0);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execv(binary.c_str(), args.data());
  _exit(127);
}

// Runs argv (argv[0] the binary's path; the process sees its file name) detached, output to
// `log_path`, and writes its pid and that file name to `pid_path` (see pid_from).
pid_t spawn_detached(std::vector<std::string> argv, const std::string& log_path, const std::string& pid_path,
                     const std::string& what) {
  const std::string binary = argv.front();
  argv.front() = fs::path(binary).filename().string();
  int channel[2];
  if (pipe(channel) != 0) throw Error::failed(std::string("pipe: ") + std::strerror(errno));
  const pid_t child = fork();
  if (child < 0) throw Error::failed(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    // Double fork: the program runs in its own session and is reparented to init, so it
    // outlives ringctl and never lingers as our zombie.
    close(channel[0]);
    setsid();
    const pid_t pid = fork();
    if (pid == 0) exec_program(binary, argv, log_path);  // keeps channel[1] open until exec
    const ssize_t written = write(channel[1], &pid, sizeof pid);
    _exit(written == sizeof pid && pid > 0 ? 0 : 1);
  }
  close(channel[1]);
  pid_t pid = -1;
  const ssize_t got = read(channel[0], &pid, sizeof pid);
  // The channel ends once the grandchild has become the program (or died): from then on /proc
  // shows the program's name, so running_pid() recognises the process at once. Without this, a
  // check right after starting saw ringctl's forked copy and took the node for not running.
  char rest = 0;
  for (ssize_t n = 1; n > 0 || (n < 0 && errno == EINTR);) n = read(channel[0], &rest, 1);
  close(channel[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (got != sizeof pid || pid <= 0) throw Error::failed("could not start " + what);
  std::ofstream(pid_path, std::ios::trunc) << pid << ' ' << argv.front() << '\n';
  return pid;
}

}  // namespace

std::optional<pid_t> pid_from(const std::string& pid_path, const std::string& program) {
  std::ifstream in(pid_path);
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  std::string started;
  std::getline(in >> std::ws, started);    // the rest of the line: a file name may hold spaces
  if (started.empty()) started = program;  // a pid file of an older ringctl: the pid alone
  if (!runs(pid, started)) return std::nullopt;
  return pid;
}

std::string find_ringnode_binary() { return find_binary("ringnode", "RINGCTL_RINGNODE", "labnode"); }

std::string find_ringd_binary() { return find_binary("ringd", "RINGCTL_RINGD", "agent"); }

pid_t start_node(const Lab& lab, const LabNode& node, const std::string& ringnode) {
  return spawn_detached({ringnode, "--config", lab.config_path(node)}, lab.log_path(node), lab.pid_path(node),
                        "ringnode for " + node.name);
}

pid_t start_agent(const Lab& lab, const LabNode& node, const std::string& ringd) {
  return spawn_detached({ringd, "--listen", lab.agent_address(node), "--backend", "lab", "--node",
                         node.address + ":" + std::to_string(lab.spec.native_port), "--cluster", lab.spec.cluster_name,
                         "--interval", "1"},
                        lab.agent_log_path(node), lab.agent_pid_path(node), "ringd for " + node.name);
}

std::optional<pid_t> running_pid(const Lab& lab, const LabNode& node) {
  return pid_from(lab.pid_path(node), "ringnode");
}

std::optional<pid_t> running_agent_pid(const Lab& lab, const LabNode& node) {
  return pid_from(lab.agent_pid_path(node), "ringd");
}

NodeProcesses processes_of(const Lab& lab, const LabNode& node) {
  return {running_pid(lab, node), running_agent_pid(lab, node)};
}

bool signal_node(const Lab& lab, const LabNode& node, int signal) {
  const auto pid = running_pid(lab, node);
  return pid && kill(*pid, signal) == 0;
}

bool signal_agent(const Lab& lab, const LabNode& node, int signal) {
  const auto pid = running_agent_pid(lab, node);
  return pid && kill(*pid, signal) == 0;
}

void check_ports_free(const Lab& lab, const std::vector<const LabNode*>& nodes, bool agents) {
  std::vector<std::pair<const char*, int>> ports = {{"--storage-port", lab.spec.storage_port},
                                                    {"--native-port", lab.spec.native_port}};
  if (agents) ports.emplace_back("--agent-port", lab.spec.agent_port);
  std::string taken;
  for (const LabNode* node : nodes) {
    for (const auto& [option, port] : ports) {
      if (auto free = ringnet::check_can_listen(node->address, port); !free) {
        taken += "\n  " + node->name + " (" + option + "): " + free.error().message();
      }
    }
  }
  if (!taken.empty()) {
    throw Error::invalid_input("the lab's ports are not free; nothing was started:" + taken +
                               "\n(another lab or program listens there: stop it, or choose other ports)");
  }
}

void stop_node_and_agent(const Lab& lab, const LabNode& node, std::chrono::milliseconds grace) {
  for (auto [pid_of, signal_fn] : {std::pair{&running_agent_pid, &signal_agent}, {&running_pid, &signal_node}}) {
    const auto pid = pid_of(lab, node);
    if (!pid) continue;
    signal_fn(lab, node, SIGTERM);
    if (!wait_for_exit(*pid, grace)) {
      signal_fn(lab, node, SIGKILL);
      wait_for_exit(*pid, std::chrono::seconds(5));
    }
  }
}

bool wait_for_exit(pid_t pid, std::chrono::milliseconds timeout, const ringruntime::WaitClock& clock) {
  const std::string program = program_of(pid);
  return ringruntime::wait_until([&] { return program.empty() || !runs(pid, program); }, timeout,
                                 std::chrono::milliseconds(20), clock);  // polling a process we cannot wait() on
}

}  // namespace ringctl::lab
