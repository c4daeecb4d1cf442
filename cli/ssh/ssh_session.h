// Running one command on a host over SSH (libssh), for playbook steps and the ssh launcher.
//
// Trust is never assumed: the server's host key must already be in known_hosts. An unknown key
// and a changed key are both errors (ssh_host_key) naming the key's SHA256 fingerprint, as
// `ssh-keygen -lf` prints it, and the command that fixes known_hosts once the operator has
// checked that fingerprint; nothing runs on such a host. Authentication is by key only: the
// identity file, or else every key the ssh-agent at $SSH_AUTH_SOCK holds. ~/.ssh/config is
// not read: a target is exactly what SshTarget says. docs/ssh.md has the operator's side.
#pragma once

#include <chrono>
#include <string>

#include "ringcore/error.h"

namespace ringctl::ssh {

struct SshTarget {
  std::string host;
  int port = 22;
  std::string user;
  std::string identity_file;  // empty: use the ssh-agent (SSH_AUTH_SOCK)
  std::string known_hosts;    // empty: ~/.ssh/known_hosts
  std::chrono::seconds connect_timeout{10};
};

// What a command did: its exit status (128 + N when a signal N ended it, as a shell reports it;
// -1 when the server sent neither), and everything it wrote to stdout and stderr.
struct CommandResult {
  int exit_status = -1;
  std::string out;
  std::string err;
};

// Runs `command` on the target; unknown or changed host keys are errors naming the
// fingerprint and what to do (never accepted silently). Error codes: "ssh_host_key",
// "ssh_auth", "ssh_connect", "timed_out".
//
// `command` is given to the remote user's shell as ssh(1) does. `target.connect_timeout`
// bounds connecting, key exchange and authentication; `timeout` bounds the command from its
// start to its exit: past it the server is asked to send the command SIGKILL (OpenSSH does,
// except to a root login's command), the channel is closed, and timed_out returned. A non-zero exit status is not an
// error: it is in the result. A known_hosts given in the target is the only one read; with none, ~/.ssh/known_hosts and
// /etc/ssh/ssh_known_hosts are, as ssh(1) reads them.
ringcore::Result<CommandResult> run_command(const SshTarget& target, const std::string& command,
                                            std::chrono::seconds timeout);

}  // namespace ringctl::ssh
