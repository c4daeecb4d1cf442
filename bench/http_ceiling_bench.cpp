// Bare cpp-httplib servers: the ceilings that ringctl's own HTTP work is measured against.
//
// The ceiling for `ringctl lab stress` on this machine: a bare cpp-httplib server and keep-alive
// clients doing what stress does, one HTTP request per row (PUT of a 100-byte value, answered
// 200 once stored in a map), with nothing else: no coordinator, no replicas, no RocksDB.
//
//   http_ceiling_bench [--rows N] [--threads T] [--address A] [--value-size B]
//
// Prints one JSON object: rows, threads, seconds, rows_per_second, latency_ms {p50, p95, p99, max}.
// bench/lab_bench.sh runs it beside lab stress with the same rows and threads.
//
// The ceiling for ringd under load (bench/ringd_load_bench.sh): a server that answers GET PATH
// with the bytes of FILE (captured from ringd's answer on the same path) and does nothing else:
// cpp-httplib's defaults (keep-alive, 5 requests per connection), T worker threads as ringd's
// server has (8), TCP_NODELAY and the accept queue ringd's server has (SOMAXCONN).
//
//   http_ceiling_bench --serve PATH,FILE[,CONTENT_TYPE] [--serve ...] [--address A] [--port P]
//                      [--threads T]
//
// Prints "listening A:P" once it serves, then serves until SIGTERM or SIGINT. Port 0 (the
// default) takes any free port. Other paths are 404, as an unknown path is for ringd.
#include <httplib.h>

#include "ringnet/listen_address.h"
#include "ringruntime/stop_signals.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// One path served from a file's bytes (serve mode).
struct Served {
  std::string path;
  std::string file;
  std::string content_type = "application/json";
};

struct Options {
  long rows = 50000;
  int threads = 8;  // client threads; in serve mode the server's worker threads
  std::string address = "127.0.80.1";
  int port = 0;
  int value_size = 100;
  std::vector<Served> served;  // serve mode when not empty
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: http_ceiling_bench [--rows N] [--threads T] [--address A] [--value-size B]\n"
               "       http_ceiling_bench --serve PATH,FILE[,CONTENT_TYPE] [--serve ...] [--address A] [--port P] "
               "[--threads T]\n");
  std::exit(1);
}

Served parse_served(const std::string& value) {
  const std::size_t first = value.find(',');
  if (first == std::string::npos || first == 0 || value[0] != '/') {
    std::fprintf(stderr, "http_ceiling_bench: --serve '%s': expected PATH,FILE[,CONTENT_TYPE] with PATH from '/'\n",
                 value.c_str());
    std::exit(1);
  }
  const std::size_t second = value.find(',', first + 1);
  Served served{value.substr(0, first),
                value.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1)};
  if (second != std::string::npos) served.content_type = value.substr(second + 1);
  return served;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--rows")
      options.rows = std::stol(value);
    else if (flag == "--threads")
      options.threads = std::stoi(value);
    else if (flag == "--address")
      options.address = value;
    else if (flag == "--value-size")
      options.value_size = std::stoi(value);
    else if (flag == "--port")
      options.port = std::stoi(value);
    else if (flag == "--serve")
      options.served.push_back(parse_served(value));
    else
      usage();
  }
  if (argc % 2 == 0) usage();  // a flag without its value
  return options;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "http_ceiling_bench: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Serve mode: each path answers its file's bytes, read once at start, until SIGTERM or SIGINT.
int serve(const Options& options) {
  const ringruntime::StopSignals stop;  // before any thread starts, so all inherit its mask

  httplib::Server server;
  const auto threads = static_cast<std::size_t>(options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Without it, Nagle's algorithm holds a kept-alive answer's body until the client's delayed
  // ACK of its headers (40 ms on Linux): a bare server answers small bodies at once.
  server.set_tcp_nodelay(true);
  // And the accept queue ringd's server has (ringnet/listen_address.h): with cpp-httplib's 5,
  // handshakes beyond it are dropped and retried a second later.
  int listener = -1;
  server.set_socket_options([&listener](socket_t fd) {
    ringnet::set_listener_options(fd);
    listener = fd;
  });
  for (const Served& one : options.served) {
    server.Get(one.path, [body = read_file(one.file), type = one.content_type](
                             const httplib::Request&, httplib::Response& res) { res.set_content(body, type.c_str()); });
  }
  const int port = options.port == 0 ? server.bind_to_any_port(options.address)
                                     : (server.bind_to_port(options.address.c_str(), options.port) ? options.port : -1);
  if (port <= 0) {
    std::fprintf(stderr, "http_ceiling_bench: cannot listen on %s:%d\n", options.address.c_str(), options.port);
    return 1;
  }
  ringnet::widen_accept_queue(listener);
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::printf("listening %s:%d\n", options.address.c_str(), port);
  std::fflush(stdout);
  stop.wait();
  server.stop();
  serving.join();
  return 0;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  if (!options.served.empty()) return serve(options);

  std::mutex store_mutex;
  std::unordered_map<std::string, std::string> store;
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(16); };  // as ringnode's server
  server.set_keep_alive_max_count(1000);
  server.set_tcp_nodelay(true);
  server.Put(R"(/v1/keyspaces/([^/]+)/rows/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(store_mutex);
    store[req.matches[2]] = req.body;
    res.set_content("{}", "application/json");
  });
  const int port = server.bind_to_any_port(options.address);
  if (port <= 0) {
    std::fprintf(stderr, "http_ceiling_bench: cannot listen on %s\n", options.address.c_str());
    return 1;
  }
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  const std::string value(static_cast<std::size_t>(options.value_size), 'v');
  std::atomic<long> next{0}, failed{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(options.threads));
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < options.threads; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client client(options.address, port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      for (long i = next++; i < options.rows; i = next++) {
        const auto sent = Clock::now();
        auto result = client.Put("/v1/keyspaces/ceiling/rows/k" + std::to_string(i) + "?cl=QUORUM", value,
                                 "application/octet-stream");
        if (!result || result->status != 200) {
          ++failed;
          continue;
        }
        latencies[static_cast<std::size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      }
    });
  }
  for (std::thread& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  server.stop();
  serving.join();

  std::vector<double> all;
  for (const auto& one : latencies) all.insert(all.end(), one.begin(), one.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"rows\": %ld, \"threads\": %d, \"failed\": %ld, \"seconds\": %.3f, \"rows_per_second\": %.1f, "
      "\"latency_ms\": {\"p50\": %.3f, \"p95\": %.3f, \"p99\": %.3f, \"max\": %.3f}}\n",
      options.rows, options.threads, failed.load(), seconds, static_cast<double>(all.size()) / seconds,
      percentile(all, 0.50), percentile(all, 0.95), percentile(all, 0.99), all.empty() ? 0.0 : all.back());
  return failed.load() == 0 ? 0 : 1;
}
