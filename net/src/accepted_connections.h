// Ending the connections a server accepted, for HttpServer::stop(), and one of them, for an
// answer that must close its connection.
//
// cpp-httplib's stop() closes the listening socket, but a thread serving a kept-alive
// connection waits for the client's next request for the whole keep-alive timeout before it
// looks again, and stop() joins that thread: a server with an idle kept connection took that
// long to stop. cpp-httplib does not hand out the sockets it accepts, so they are found among
// the process's open files by their local address.
#pragma once

#include <sys/socket.h>

#include <string>

namespace ringnet {

// Shuts the reading side of every connection this process accepted on `listener` (the
// listening socket's address, from getsockname): an idle connection's thread wakes to an end
// of file and closes it at once, and one being answered still sends its answer.
void end_reading_of_accepted(const sockaddr_storage& listener);

// Shuts the reading side of the one connection of this process between `local` and `peer`
// (numeric addresses and ports, as cpp-httplib's Request gives them): once its thread has sent
// the answer it is writing, it reads an end of file and closes the connection.
void end_reading_of_connection(const std::string& local_address, int local_port, const std::string& peer_address,
                               int peer_port);

// `address` as numeric host and port, as cpp-httplib writes them (getnameinfo,
// NI_NUMERICHOST); false when it cannot be written.
bool numeric_address(const sockaddr_storage& address, std::string& host, int& port);

}  // namespace ringnet
