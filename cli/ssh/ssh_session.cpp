#include "ssh/ssh_session.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace ringctl::ssh {
namespace {

using ringcore::Error;
using ringcore::ErrorCode;
using std::chrono::steady_clock;

struct SessionFree {
  void operator()(ssh_session session) const {
    ssh_disconnect(session);
    ssh_free(session);
  }
};
struct ChannelFree {
  void operator()(ssh_channel channel) const { ssh_channel_free(channel); }
};
struct KeyFree {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
struct EventFree {
  void operator()(ssh_event event) const { ssh_event_free(event); }
};
using Session = std::unique_ptr<ssh_session_struct, SessionFree>;
using Channel = std::unique_ptr<ssh_channel_struct, ChannelFree>;
using Key = std::unique_ptr<ssh_key_struct, KeyFree>;
using Event = std::unique_ptr<ssh_event_struct, EventFree>;

// "user@host:port", how every message names the target.
std::string name_of(const SshTarget& target) {
  return target.user + "@" + target.host + ":" + std::to_string(target.port);
}

// How known_hosts and ssh-keygen -R name the host: "host" on port 22, else "[host]:port".
std::string known_hosts_name(const SshTarget& target) {
  return target.port == 22 ? target.host : "[" + target.host + "]:" + std::to_string(target.port);
}

std::string known_hosts_file(const SshTarget& target) {
  if (!target.known_hosts.empty()) return target.known_hosts;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "~") + "/.ssh/known_hosts";
}

Error ssh_error(ErrorCode code, const SshTarget& target, const std::string& what) {
  return {code, "ssh " + name_of(target) + ": " + what};
}

// "SHA256:<base64>", as `ssh-keygen -lf` prints a key's fingerprint.
std::string sha256_fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) return "(no fingerprint)";
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
  ssh_clean_pubkey_hash(&hash);
  if (text == nullptr) return "(no fingerprint)";
  std::string fingerprint = text;
  ssh_string_free_char(text);
  return fingerprint;
}

// How ssh-keyscan -t and the host's key files name a key type: "ed25519" for "ssh-ed25519",
// "ecdsa" for "ecdsa-sha2-nistp256", "rsa" for "ssh-rsa".
std::string short_type(const std::string& type) {
  if (type.rfind("ecdsa", 0) == 0) return "ecdsa";
  if (type.rfind("ssh-", 0) == 0) return type.substr(4);
  return type;
}

ringcore::Result<Session> open_session(const SshTarget& target) {
  Session session(ssh_new());
  if (!session) return ssh_error(ErrorCode::kInternal, target, "libssh could not allocate a session");
  const unsigned int port = static_cast<unsigned int>(target.port);
  const long timeout_seconds = static_cast<long>(std::max<long long>(1, target.connect_timeout.count()));
  const bool process_config = false;  // a target is what SshTarget says, not what ~/.ssh/config adds
  const std::string known_hosts = known_hosts_file(target);
  bool set = ssh_options_set(session.get(), SSH_OPTIONS_HOST, target.host.c_str()) == SSH_OK &&
             ssh_options_set(session.get(), SSH_OPTIONS_PORT, &port) == SSH_OK &&
             ssh_options_set(session.get(), SSH_OPTIONS_USER, target.user.c_str()) == SSH_OK &&
             ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT, &timeout_seconds) == SSH_OK &&
             ssh_options_set(session.get(), SSH_OPTIONS_PROCESS_CONFIG, &process_config) == SSH_OK &&
             ssh_options_set(session.get(), SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str()) == SSH_OK;
  // A known_hosts named in the target is the only one: the system-wide file must not vouch for
  // a host the operator's file does not know.
  if (!target.known_hosts.empty()) {
    set = set && ssh_options_set(session.get(), SSH_OPTIONS_GLOBAL_KNOWNHOSTS, known_hosts.c_str()) == SSH_OK;
  }
  if (!set) return ssh_error(ErrorCode::kInvalidInput, target, ssh_get_error(session.get()));
  const auto started = steady_clock::now();
  if (ssh_connect(session.get()) != SSH_OK) {
    // libssh words a timeout as it likes ("Timeout connecting to HOST"); the operator needs to
    // tell a host that never answered from one that refused, and what the limit was.
    const bool timed_out = steady_clock::now() - started >= std::chrono::seconds(timeout_seconds);
    return ssh_error(
        ErrorCode::kSshConnect, target,
        std::string("cannot connect: ") +
            (timed_out ? "timed out after " + std::to_string(timeout_seconds) + " s (ssh_connect_timeout): " : "") +
            ssh_get_error(session.get()));
  }
  return session;
}

// OK only when known_hosts holds the very key the server showed.
ringcore::Status verify_host_key(ssh_session session, const SshTarget& target) {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(session, &raw) != SSH_OK) {
    return ssh_error(ErrorCode::kSshHostKey, target,
                     std::string("no host key from the server: ") + ssh_get_error(session));
  }
  const Key key(raw);
  const std::string fingerprint = sha256_fingerprint(key.get());
  const std::string type = short_type(ssh_key_type_to_char(ssh_key_type(key.get())));
  const std::string file = known_hosts_file(target);
  const std::string host = known_hosts_name(target);
  const std::string scan =
      "ssh-keyscan -p " + std::to_string(target.port) + " -t " + type + " " + target.host + " >> " + file;
  const std::string shown = "the server shows its " + type + " key " + fingerprint;
  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      return ringcore::Ok{};
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return ssh_error(ErrorCode::kSshHostKey, target,
                       "host key unknown: " + host + " is not in " + file + "; " + shown +
                           ". Check that fingerprint with the host's administrator (on the host: ssh-keygen -lf "
                           "/etc/ssh/ssh_host_" +
                           type + "_key.pub), then add it: " + scan);
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return ssh_error(ErrorCode::kSshHostKey, target,
                       "host key CHANGED: " + file + " holds another key for " + host + "; " + shown +
                           ". Someone may be intercepting the connection, or the host was reinstalled. Only once its "
                           "administrator confirms the new fingerprint: ssh-keygen -R '" +
                           host + "' -f " + file + ", then " + scan);
    case SSH_KNOWN_HOSTS_ERROR:
      break;
  }
  return ssh_error(ErrorCode::kSshHostKey, target,
                   "cannot check the host key against " + file + ": " + ssh_get_error(session));
}

ringcore::Status authenticate(ssh_session session, const SshTarget& target) {
  int outcome = SSH_AUTH_DENIED;
  std::string offered;
  if (target.identity_file.empty()) {
    const char* agent = std::getenv("SSH_AUTH_SOCK");
    if (agent == nullptr || *agent == '\0') {
      return ssh_error(ErrorCode::kSshAuth, target,
                       "no identity file given and no ssh-agent to ask (SSH_AUTH_SOCK is not set): give a key "
                       "file, or start ssh-agent and ssh-add the key");
    }
    offered = "the keys of the ssh-agent at " + std::string(agent);
    outcome = ssh_userauth_agent(session, nullptr);
  } else {
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(target.identity_file.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
      return ssh_error(ErrorCode::kSshAuth, target,
                       "cannot read the private key " + target.identity_file +
                           " (missing, unreadable, not a key, or protected by a passphrase: load such a key into "
                           "ssh-agent and give no identity file)");
    }
    const Key key(raw);
    offered = "the key " + target.identity_file;
    outcome = ssh_userauth_publickey(session, nullptr, key.get());
  }
  switch (outcome) {
    case SSH_AUTH_SUCCESS:
      return ringcore::Ok{};
    case SSH_AUTH_ERROR:
      return ssh_error(ErrorCode::kSshConnect, target,
                       std::string("connection failed during authentication: ") + ssh_get_error(session));
    case SSH_AUTH_PARTIAL:
      return ssh_error(
          ErrorCode::kSshAuth, target,
          "the server accepted " + offered + " but asks for more than a key (only key authentication is used)");
    default:
      return ssh_error(ErrorCode::kSshAuth, target,
                       "the server refused " + offered + " for user " + target.user +
                           " (is its public key in the user's authorized_keys on the host?)");
  }
}

// What the channel's callbacks gather while the command runs.
struct Gathered {
  CommandResult result;
  bool exited = false;  // an exit-status or exit-signal came
  bool eof = false;
  bool closed = false;
};

int signal_number(std::string_view name) {
  static constexpr std::pair<std::string_view, int> kSignals[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"ABRT", SIGABRT},
      {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"SEGV", SIGSEGV}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
      {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}};
  for (const auto& [signal_name, number] : kSignals) {
    if (signal_name == name) return number;
  }
  return 0;
}

int on_data(ssh_session, ssh_channel, void* data, uint32_t length, int is_stderr, void* userdata) {
  Gathered& gathered = *static_cast<Gathered*>(userdata);
  (is_stderr != 0 ? gathered.result.err : gathered.result.out).append(static_cast<const char*>(data), length);
  return static_cast<int>(length);
}
void on_eof(ssh_session, ssh_channel, void* userdata) { static_cast<Gathered*>(userdata)->eof = true; }
void on_close(ssh_session, ssh_channel, void* userdata) { static_cast<Gathered*>(userdata)->closed = true; }
void on_exit_status(ssh_session, ssh_channel, int status, void* userdata) {
  Gathered& gathered = *static_cast<Gathered*>(userdata);
  gathered.result.exit_status = status;
  gathered.exited = true;
}
void on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*, void* userdata) {
  Gathered& gathered = *static_cast<Gathered*>(userdata);
  const int number = signal_number(signal != nullptr ? signal : "");
  gathered.result.exit_status = number > 0 ? 128 + number : -1;
  gathered.exited = true;
}

// How waiting for the command ended.
enum class Waited { kExited, kDeadline, kBroken };

// Polls the session until the server closed the channel, or sent the end of the output and
// how the command ended; or until `deadline`, or until the connection breaks.
Waited wait_for_exit(ssh_session session, const Gathered& gathered, steady_clock::time_point deadline) {
  const Event event(ssh_event_new());
  if (!event || ssh_event_add_session(event.get(), session) != SSH_OK) return Waited::kBroken;
  Waited waited = Waited::kExited;
  while (!gathered.closed && !(gathered.eof && gathered.exited)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) {
      waited = Waited::kDeadline;
      break;
    }
    const int polled = ssh_event_dopoll(event.get(), static_cast<int>(std::min<long long>(left.count(), 500)));
    if (polled == SSH_ERROR && (ssh_get_status(session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0) {
      waited = Waited::kBroken;
      break;
    }
  }
  ssh_event_remove_session(event.get(), session);
  return waited;
}

ringcore::Result<CommandResult> execute(ssh_session session, const SshTarget& target, const std::string& command,
                                        std::chrono::seconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  const Channel channel(ssh_channel_new(session));
  if (!channel || ssh_channel_open_session(channel.get()) != SSH_OK) {
    return ssh_error(ErrorCode::kSshConnect, target,
                     std::string("cannot open a session channel: ") + ssh_get_error(session));
  }
  Gathered gathered;
  ssh_channel_callbacks_struct callbacks{};
  callbacks.userdata = &gathered;
  callbacks.channel_data_function = on_data;
  callbacks.channel_eof_function = on_eof;
  callbacks.channel_close_function = on_close;
  callbacks.channel_exit_status_function = on_exit_status;
  callbacks.channel_exit_signal_function = on_exit_signal;
  ssh_callbacks_init(&callbacks);
  ssh_set_channel_callbacks(channel.get(), &callbacks);
  if (ssh_channel_request_exec(channel.get(), command.c_str()) != SSH_OK) {
    ssh_remove_channel_callbacks(channel.get(), &callbacks);
    return ssh_error(ErrorCode::kSshConnect, target,
                     std::string("cannot start the command: ") + ssh_get_error(session));
  }
  ssh_channel_send_eof(channel.get());  // the command gets no input
  const Waited waited = wait_for_exit(session, gathered, deadline);
  // OpenSSH delivers a signal request to the command's process group, but refuses it for root
  // logins (no privilege separation after authentication): there the command goes on.
  if (waited == Waited::kDeadline) ssh_channel_request_send_signal(channel.get(), "KILL");
  // The callbacks point into this frame: no packet handled after it may reach them.
  ssh_remove_channel_callbacks(channel.get(), &callbacks);
  ssh_channel_close(channel.get());
  switch (waited) {
    case Waited::kExited:
      return std::move(gathered.result);
    case Waited::kDeadline:
      return ssh_error(ErrorCode::kTimedOut, target,
                       "the command did not finish within " + std::to_string(timeout.count()) +
                           " s: the server was asked to kill it (OpenSSH does so except for root logins, where it "
                           "may still run on the host) and the connection closed: " +
                           command);
    case Waited::kBroken:
      break;
  }
  return ssh_error(
      ErrorCode::kSshConnect, target,
      std::string("the connection broke while the command ran (it may have run in part): ") + ssh_get_error(session));
}

}  // namespace

ringcore::Result<CommandResult> run_command(const SshTarget& target, const std::string& command,
                                            std::chrono::seconds timeout) {
  auto session = open_session(target);
  if (!session) return session.error();
  if (auto trusted = verify_host_key(session->get(), target); !trusted) return trusted.error();
  if (auto authenticated = authenticate(session->get(), target); !authenticated) return authenticated.error();
  return execute(session->get(), target, command, timeout);
}

}  // namespace ringctl::ssh
