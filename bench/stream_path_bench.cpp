// Where streaming's time goes, in one process without HTTP: the stages a page of 4 KiB rows
// passes through (the source's read_encoded_page, the target's decoding, ingest and flush) each timed
// over the same rows, next to writing and fsyncing the same bytes to a file (the floor any
// copy pays). A plain program printing a table; bench/streaming_bench.sh measures the whole
// path between processes.
//
//   stream_path_bench [MiB [PAGE_KiB]]    (default 80 MiB: about a bootstrap's worth in streaming_bench.sh;
//                                         pages of 16 MiB, as RangeStreamer reads them unlimited)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "row_stream.h"
#include "storage.h"

namespace {

using Clock = std::chrono::steady_clock;

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// A stage's wall time, and this thread's CPU time: on a shared machine the wall times vary
// with the load, the CPU times much less, so stages compare by them.
struct StageTime {
  double wall = 0;
  double cpu = 0;
};

StageTime seconds_of(const std::function<void()>& stage) {
  const auto started = Clock::now();
  const double cpu = thread_cpu_seconds();
  stage();
  return {std::chrono::duration<double>(Clock::now() - started).count(), thread_cpu_seconds() - cpu};
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "stream_path_bench: %s failed\n", what);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t mib = argc > 1 ? std::stoull(argv[1]) : 80;
  const std::uint64_t page_bytes = argc > 2 ? std::stoull(argv[2]) * 1024 : 16 << 20;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("stream_path_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto opened_source = ringnode::Storage::open((dir / "source").string());
  auto opened_target = ringnode::Storage::open((dir / "target").string());
  check(opened_source.ok() && opened_target.ok(), "open");
  std::unique_ptr<ringnode::Storage> source = std::move(opened_source).value();
  std::unique_ptr<ringnode::Storage> target = std::move(opened_target).value();
  check(source->create_keyspace("ks").ok() && target->create_keyspace("ks").ok(), "create keyspace");
  std::mt19937_64 noise(1);
  const std::uint64_t rows = mib * 1048576 / 4096;
  for (std::uint64_t i = 0; i < rows; ++i) {
    std::string value(4096, '\0');
    for (char& c : value) c = static_cast<char>(noise());
    check(source->apply("ks", "row" + std::to_string(i), ringnode::Cell{1, false, value}).ok(), "load");
  }
  check(source->compact().ok(), "compact");

  const ringcore::TokenRange whole{ringcore::kMinToken, ringcore::kMinToken};
  std::vector<ringnode::EncodedPage> pages;
  std::uint64_t bytes = 0;
  const StageTime read = seconds_of([&] {
    for (const auto& part : ringnode::split_whole_ring(whole)) {
      std::optional<ringnode::RowCursor> after;
      for (;;) {
        auto page = ringnode::read_encoded_page(*source, "ks", part, after, page_bytes);
        check(page.ok(), "read_encoded_page");
        bytes += page->bytes;
        if (page->end) after = page->end;
        const bool last = page->last;
        pages.push_back(std::move(page).value());
        if (last) break;
      }
    }
  });
  std::vector<std::vector<ringnode::RowView>> decoded;
  const StageTime decode = seconds_of([&] {
    for (const auto& page : pages) {
      auto rows_of_page = ringnode::decode_row_views(page.body);
      check(rows_of_page.ok(), "decode");
      decoded.push_back(std::move(rows_of_page).value());
    }
  });
  const StageTime ingest = seconds_of([&] {
    for (const auto& page : decoded) check(target->ingest("ks", page).ok(), "ingest");
    // Unlogged pages are durable once flushed, as the stream's end asks (storage.h).
    check(target->flush_streamed("ks").ok(), "flush");
  });
  const std::string file = (dir / "copy").string();
  const StageTime write = seconds_of([&] {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check(fd >= 0, "open copy");
    for (const auto& page : pages)
      check(::write(fd, page.body.data(), page.body.size()) == static_cast<ssize_t>(page.body.size()), "write");
    check(::fsync(fd) == 0, "fsync");
    ::close(fd);
  });
  std::printf("stream path, %llu rows of 4 KiB, %.1f MB, %zu pages of up to %llu KiB (MB = 10^6 bytes)\n",
              static_cast<unsigned long long>(rows), bytes / 1e6, pages.size(),
              static_cast<unsigned long long>(page_bytes / 1024));
  const auto line = [&](const char* stage, StageTime time) {
    std::printf("  %-36s %7.3f s wall %8.1f MB/s, %7.3f s CPU %8.1f MB/s\n", stage, time.wall, bytes / 1e6 / time.wall,
                time.cpu, bytes / 1e6 / time.cpu);
  };
  line("source: read_encoded_page (scan, encode)", read);
  line("target: decode_row_views", decode);
  line("target: ingest (batch) + flush", ingest);
  line("floor: write + fsync same bytes", write);
  line("all stages, serial", {read.wall + decode.wall + ingest.wall, read.cpu + decode.cpu + ingest.cpu});
  source.reset();
  target.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
