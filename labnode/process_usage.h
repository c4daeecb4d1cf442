// What the node process uses of its machine: CPU, memory against the limit it runs under, and
// the machine's size. The parsers and the arithmetic are pure functions over the text of the
// /proc and cgroup files (tested on recorded texts); read_*() read the real files.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ringnode {

// CPU time the process has used, seen at a wall time (any fixed origin, e.g. steady_clock's).
struct CpuSample {
  double cpu_seconds = 0;  // user + system time of the process
  double wall_seconds = 0;
};

// The process's CPU use between two samples as a fraction of the whole machine (`cpus`
// CPUs busy for the whole interval = 1), clamped to 0..1. nullopt when the interval is not
// positive or cpus < 1.
std::optional<double> cpu_utilization_ratio(const CpuSample& earlier, const CpuSample& later, int cpus);

// utime + stime of /proc/<pid>/stat's text, in seconds (`ticks_per_second`: sysconf
// _SC_CLK_TCK). The command name (field 2) may hold spaces and parentheses: fields are counted
// after its last ')'. nullopt when the text does not have the fields.
std::optional<double> parse_proc_stat_cpu_seconds(std::string_view stat, long ticks_per_second);

// The resident set of /proc/<pid>/statm's text (second field, pages) in bytes.
std::optional<std::uint64_t> parse_statm_rss_bytes(std::string_view statm, std::uint64_t page_size);

// MemTotal of /proc/meminfo's text, in bytes.
std::optional<std::uint64_t> parse_meminfo_total_bytes(std::string_view meminfo);

// The cgroup v2 path of /proc/<pid>/cgroup's text (the "0::/path" line); nullopt on a
// cgroup v1 only system.
std::optional<std::string> parse_cgroup_v2_path(std::string_view cgroup);

// A cgroup v2 memory.max text: the limit in bytes, nullopt for "max" (no limit) or bad text.
std::optional<std::uint64_t> parse_cgroup_memory_max(std::string_view memory_max);

// The memory the process may use: the cgroup limit when one is set and below the machine's
// memory, else the machine's memory; nullopt when neither is known.
std::optional<std::uint64_t> memory_limit_bytes(std::optional<std::uint64_t> cgroup_limit,
                                                std::optional<std::uint64_t> machine_total);

// ---- the real files ----
std::optional<CpuSample> read_cpu_sample(std::chrono::steady_clock::time_point now);
std::optional<std::uint64_t> read_rss_bytes();
std::optional<std::uint64_t> read_machine_memory_bytes();
std::optional<std::uint64_t> read_cgroup_memory_limit_bytes();  // nullopt: none (or unknown)
int online_cpus();

// The ratio over the last measured interval: sample() keeps the previous sample and, once the
// interval since it reaches `interval`, measures and starts a new interval.
// Thread-safety: every member may be called from any thread.
class CpuMeter {
 public:
  explicit CpuMeter(std::chrono::duration<double> interval, int cpus) : interval_(interval.count()), cpus_(cpus) {}

  void sample(const CpuSample& now);
  // The last interval's ratio; nullopt until one interval was measured.
  std::optional<double> ratio() const;

 private:
  double interval_;
  int cpus_;
  mutable std::mutex mutex_;
  std::optional<CpuSample> previous_;
  std::optional<double> ratio_;
};

}  // namespace ringnode
