// The ceiling for `ringctl lab stress` on this machine: a bare cpp-httplib server and keep-alive
// clients doing what stress does, one HTTP request per row (PUT of a 100-byte value, answered
// 200 once stored in a map), with nothing else: no coordinator, no replicas, no RocksDB.
//
//   http_ceiling_bench [--rows N] [--threads T] [--address A] [--value-size B]
//
// Prints one JSON object: rows, threads, seconds, rows_per_second, latency_ms {p50, p95, p99, max}.
// bench/lab_bench.sh runs it beside lab stress with the same rows and threads.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  long rows = 50000;
  int threads = 8;
  std::string address = "127.0.80.1";
  int value_size = 100;
};

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
    else {
      std::fprintf(stderr, "usage: http_ceiling_bench [--rows N] [--threads T] [--address A] [--value-size B]\n");
      std::exit(1);
    }
  }
  return options;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);

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
