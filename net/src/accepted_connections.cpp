#include "accepted_connections.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>

namespace ringnet {
namespace {

// Whether a connection's local address `local` is one accepted on `listener`: the same family
// and port, and the same address unless the listener took every address.
bool accepted_on(const sockaddr_storage& local, const sockaddr_storage& listener) {
  if (local.ss_family != listener.ss_family) return false;
  if (listener.ss_family == AF_INET) {
    const auto& mine = reinterpret_cast<const sockaddr_in&>(local);
    const auto& theirs = reinterpret_cast<const sockaddr_in&>(listener);
    return mine.sin_port == theirs.sin_port &&
           (theirs.sin_addr.s_addr == htonl(INADDR_ANY) || mine.sin_addr.s_addr == theirs.sin_addr.s_addr);
  }
  if (listener.ss_family == AF_INET6) {
    const auto& mine = reinterpret_cast<const sockaddr_in6&>(local);
    const auto& theirs = reinterpret_cast<const sockaddr_in6&>(listener);
    return mine.sin6_port == theirs.sin6_port &&
           (std::memcmp(&theirs.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0 ||
            std::memcmp(&mine.sin6_addr, &theirs.sin6_addr, sizeof mine.sin6_addr) == 0);
  }
  return false;
}

// Calls `visit(fd, local)` for each socket of this process that is not listening, with its
// local address. cpp-httplib does not hand out the sockets it accepts: they are found among the
// process's open files.
void for_each_connection(const std::function<void(int, const sockaddr_storage&)>& visit) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    struct stat about {};
    if (fstat(fd, &about) != 0 || !S_ISSOCK(about.st_mode)) continue;
    int listening = 0;
    socklen_t size = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening != 0) continue;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
    visit(fd, local);
  }
}

// Whether `address` is host:port (numeric, as cpp-httplib's Request gives them).
bool is_address(const sockaddr_storage& address, const std::string& host, int port) {
  std::string text;
  int number = 0;
  return numeric_address(address, text, number) && text == host && number == port;
}

}  // namespace

bool numeric_address(const sockaddr_storage& address, std::string& host, int& port) {
  char text[NI_MAXHOST] = {};
  char service[NI_MAXSERV] = {};
  const socklen_t length = address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, text, sizeof text, service, sizeof service,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return false;
  host = text;
  port = std::atoi(service);
  return true;
}

void end_reading_of_accepted(const sockaddr_storage& listener) {
  for_each_connection([&listener](int fd, const sockaddr_storage& local) {
    // A client's connection has an ephemeral local port, never a listener's: only accepted
    // connections match.
    if (accepted_on(local, listener)) shutdown(fd, SHUT_RD);
  });
}

void end_reading_of_connection(const std::string& local_address, int local_port, const std::string& peer_address,
                               int peer_port) {
  for_each_connection([&](int fd, const sockaddr_storage& local) {
    if (!is_address(local, local_address, local_port)) return;
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return;
    if (is_address(peer, peer_address, peer_port)) shutdown(fd, SHUT_RD);
  });
}

}  // namespace ringnet
