// Many agents (ringd) answering from recorded documents, each on its own loopback address, for
// bench/health_fanout_bench.sh: `ringctl health` against hundreds of agents on one machine.
//
//   recorded_agents DIR PORT
//
// DIR holds one directory per agent, named by its address, and optionally `every-agent/` with
// the documents every agent serves alike (a cluster view all agents share, instead of hundreds
// of copies). Each file PATH.json below them is served as GET /PATH: DIR/127.1.0.7/v1/node.json
// is what 127.1.0.7:PORT answers to GET /v1/node. An agent's own file wins over every-agent's.
// bench/make_agent_documents.py writes such a directory from documents recorded off a lab.
//
// Strict: only those routes are served. Any other path is 404 and another method 405 (the
// project's HttpServer), and a query is 400, so a command asking for something a real ringd was
// not recorded answering fails instead of passing on a made-up answer. The one query served is
// ringd's GET /v1/cluster?tokens=false: the recorded view with every node's tokens left out, as
// ringd leaves them out (agent/agent_api.cpp). Addresses outside 127.1.0.0/16 are
// refused: the range is the benchmark's own, apart from every test's 127.0.x.y.
//
// Each address is its own HttpServer with one worker thread (two threads per address: the
// listener blocked in accept, and the worker), so 500 agents are 1,000 mostly idle threads.
// Prints "ready N" on stdout once every address listens; on SIGTERM or SIGINT prints one JSON
// line {"requests": {"GET /v1/node": COUNT, ...}} (every route asked, summed over the agents)
// and exits 0. Exits 1 with a message naming the file or address on bad input.
#include <arpa/inet.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ringnet/http_server.h"
#include "ringruntime/stop_signals.h"

namespace {

namespace fs = std::filesystem;

constexpr const char* kEveryAgent = "every-agent";

using Document = std::shared_ptr<const std::string>;
using Routes = std::map<std::string, Document>;  // "/v1/node" -> its body

// True for a dotted IPv4 address in 127.1.0.0/16.
bool in_bench_range(const std::string& text) {
  in_addr address{};
  if (inet_pton(AF_INET, text.c_str(), &address) != 1) return false;
  const uint32_t host = ntohl(address.s_addr);
  return (host >> 16) == ((127u << 8) | 1u);
}

Document read_document(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error(file.string() + ": cannot read");
  if (!nlohmann::json::accept(text.str())) throw std::runtime_error(file.string() + ": not a JSON document");
  return std::make_shared<const std::string>(text.str());
}

// Every PATH.json below `directory`, as GET routes "/PATH".
Routes read_routes(const fs::path& directory) {
  Routes routes;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    const fs::path relative = fs::relative(entry.path(), directory);
    if (relative.extension() != ".json") {
      throw std::runtime_error(entry.path().string() + ": not a .json document (each file is served as GET /PATH)");
    }
    routes["/" + fs::path(relative).replace_extension().generic_string()] = read_document(entry.path());
  }
  return routes;
}

// Address -> its routes, every-agent's merged under each agent's own.
std::map<std::string, Routes> read_agents(const fs::path& directory) {
  if (!fs::is_directory(directory)) throw std::runtime_error(directory.string() + ": not a directory");
  Routes shared;
  if (fs::is_directory(directory / kEveryAgent)) shared = read_routes(directory / kEveryAgent);
  std::map<std::string, Routes> agents;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name == kEveryAgent) continue;
    if (!entry.is_directory() || !in_bench_range(name)) {
      throw std::runtime_error(entry.path().string() + ": expected a directory named by an address in 127.1.0.0/16");
    }
    Routes routes = read_routes(entry.path());
    routes.insert(shared.begin(), shared.end());  // an agent's own document wins
    agents[name] = std::move(routes);
  }
  if (agents.empty()) throw std::runtime_error(directory.string() + ": no agent directory (127.1.x.y/)");
  return agents;
}

// How often each route was asked, over every agent. Keys are fixed before any server starts.
constexpr const char* kClusterRoute = "/v1/cluster";
constexpr const char* kWithoutTokens = "?tokens=false";

class RequestCounts {
 public:
  explicit RequestCounts(const std::map<std::string, Routes>& agents) {
    for (const auto& [address, routes] : agents) {
      for (const auto& [path, body] : routes) {
        counts_.try_emplace("GET " + path, 0);
        if (path == kClusterRoute) counts_.try_emplace("GET " + path + kWithoutTokens, 0);
      }
    }
  }
  void count(const std::string& route) { counts_.at(route).fetch_add(1, std::memory_order_relaxed); }
  nlohmann::json document() const {
    nlohmann::json requests = nlohmann::json::object();
    for (const auto& [route, count] : counts_) requests[route] = count.load();
    return {{"requests", requests}};
  }

 private:
  std::map<std::string, std::atomic<long>> counts_;
};

// The cluster view `body` without its nodes' tokens, made once per document (agents that share
// every-agent's view share it).
Document without_tokens(const Document& body, std::map<const std::string*, Document>& made) {
  Document& light = made[body.get()];
  if (light) return light;
  nlohmann::json view = nlohmann::json::parse(*body);
  if (view.contains("snapshot") && view["snapshot"].contains("nodes")) {
    for (nlohmann::json& node : view["snapshot"]["nodes"]) node.erase("tokens");
  }
  light = std::make_shared<const std::string>(view.dump());
  return light;
}

std::unique_ptr<ringnet::HttpServer> serve(const Routes& routes, RequestCounts& counts,
                                           std::map<const std::string*, Document>& light_views) {
  auto server = std::make_unique<ringnet::HttpServer>(ringnet::ServerOptions{.worker_threads = 1});
  for (const auto& [path, body] : routes) {
    const Document light = path == kClusterRoute ? without_tokens(body, light_views) : nullptr;
    server->route("GET", path, [path, body, light, &counts](const ringnet::ServerRequest& request) {
      if (request.query.empty()) {
        counts.count("GET " + path);
        return ringnet::ServerResponse{200, *body};
      }
      if (light && request.query.size() == 1 && request.query_value("tokens") == "false") {
        counts.count("GET " + path + kWithoutTokens);
        return ringnet::ServerResponse{200, *light};
      }
      return ringnet::ServerResponse{
          400, R"({"error":{"code":"invalid_input","message":"recorded_agents: no recorded answer with a query"}})"};
    });
  }
  return server;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: recorded_agents DIR PORT\n";
    return 1;
  }
  try {
    const std::map<std::string, Routes> agents = read_agents(argv[1]);
    const int port = std::stoi(argv[2]);
    RequestCounts counts(agents);

    const ringruntime::StopSignals stop;  // before any server thread exists

    std::map<const std::string*, Document> light_views;
    std::vector<std::unique_ptr<ringnet::HttpServer>> servers;
    for (const auto& [address, routes] : agents) {
      servers.push_back(serve(routes, counts, light_views));
      if (auto started = servers.back()->start(address, port); !started) {
        throw std::runtime_error(started.error().message());
      }
    }
    std::cout << "ready " << servers.size() << std::endl;

    stop.wait();
    for (auto& server : servers) server->stop();
    std::cout << counts.document().dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "recorded_agents: " << e.what() << "\n";
    return 1;
  }
}
