#include "process_usage.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace ringnode {
namespace {

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> result;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t\n", at);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(text.find_first_of(" \t\n", start), text.size());
    result.push_back(text.substr(start, end - start));
    at = end;
  }
  return result;
}

std::string_view trimmed(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\n");
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(" \t\n") - start + 1);
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::optional<double> cpu_utilization_ratio(const CpuSample& earlier, const CpuSample& later, int cpus) {
  const double wall = later.wall_seconds - earlier.wall_seconds;
  if (wall <= 0 || cpus < 1) return std::nullopt;
  const double used = later.cpu_seconds - earlier.cpu_seconds;
  return std::clamp(used / (wall * cpus), 0.0, 1.0);
}

std::optional<double> parse_proc_stat_cpu_seconds(std::string_view stat, long ticks_per_second) {
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  // After the name: field 3 (state) is words[0], so utime (14) and stime (15) are 11 and 12.
  const std::vector<std::string_view> fields = words(stat.substr(close + 1));
  if (fields.size() < 13) return std::nullopt;
  const auto utime = parse_u64(fields[11]);
  const auto stime = parse_u64(fields[12]);
  if (!utime || !stime) return std::nullopt;
  return static_cast<double>(*utime + *stime) / static_cast<double>(ticks_per_second);
}

std::optional<std::uint64_t> parse_statm_rss_bytes(std::string_view statm, std::uint64_t page_size) {
  const std::vector<std::string_view> fields = words(statm);
  if (fields.size() < 2) return std::nullopt;
  const auto pages = parse_u64(fields[1]);
  if (!pages) return std::nullopt;
  return *pages * page_size;
}

std::optional<std::uint64_t> parse_meminfo_total_bytes(std::string_view meminfo) {
  constexpr std::string_view kKey = "MemTotal:";
  const std::size_t at = meminfo.find(kKey);
  if (at == std::string_view::npos || (at != 0 && meminfo[at - 1] != '\n')) return std::nullopt;
  const std::size_t end = meminfo.find('\n', at);
  const std::vector<std::string_view> fields = words(meminfo.substr(
      at + kKey.size(), end == std::string_view::npos ? std::string_view::npos : end - at - kKey.size()));
  if (fields.size() != 2 || fields[1] != "kB") return std::nullopt;
  const auto kib = parse_u64(fields[0]);
  if (!kib) return std::nullopt;
  return *kib * 1024;
}

std::optional<std::string> parse_cgroup_v2_path(std::string_view cgroup) {
  std::size_t at = 0;
  while (at < cgroup.size()) {
    std::size_t end = cgroup.find('\n', at);
    if (end == std::string_view::npos) end = cgroup.size();
    const std::string_view line = cgroup.substr(at, end - at);
    if (line.starts_with("0::")) return std::string(line.substr(3));
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_cgroup_memory_max(std::string_view memory_max) {
  const std::string_view text = trimmed(memory_max);
  if (text == "max") return std::nullopt;
  const auto value = parse_u64(text);
  if (!value || std::to_string(*value).size() != text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> memory_limit_bytes(std::optional<std::uint64_t> cgroup_limit,
                                                std::optional<std::uint64_t> machine_total) {
  if (cgroup_limit && machine_total) return std::min(*cgroup_limit, *machine_total);
  return cgroup_limit ? cgroup_limit : machine_total;
}

std::optional<CpuSample> read_cpu_sample(std::chrono::steady_clock::time_point now) {
  const auto text = read_text("/proc/self/stat");
  if (!text) return std::nullopt;
  const auto cpu = parse_proc_stat_cpu_seconds(*text, sysconf(_SC_CLK_TCK));
  if (!cpu) return std::nullopt;
  return CpuSample{*cpu, std::chrono::duration<double>(now.time_since_epoch()).count()};
}

std::optional<std::uint64_t> read_rss_bytes() {
  const auto text = read_text("/proc/self/statm");
  if (!text) return std::nullopt;
  return parse_statm_rss_bytes(*text, static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
}

std::optional<std::uint64_t> read_machine_memory_bytes() {
  const auto text = read_text("/proc/meminfo");
  return text ? parse_meminfo_total_bytes(*text) : std::nullopt;
}

std::optional<std::uint64_t> read_cgroup_memory_limit_bytes() {
  const auto cgroup = read_text("/proc/self/cgroup");
  if (!cgroup) return std::nullopt;
  const auto path = parse_cgroup_v2_path(*cgroup);
  if (!path) return std::nullopt;
  const auto text = read_text("/sys/fs/cgroup" + *path + "/memory.max");
  return text ? parse_cgroup_memory_max(*text) : std::nullopt;
}

int online_cpus() { return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))); }

void CpuMeter::sample(const CpuSample& now) {
  std::lock_guard lock(mutex_);
  if (!previous_) {
    previous_ = now;
    return;
  }
  if (now.wall_seconds - previous_->wall_seconds < interval_) return;
  ratio_ = cpu_utilization_ratio(*previous_, now, cpus_);
  previous_ = now;
}

std::optional<double> CpuMeter::ratio() const {
  std::lock_guard lock(mutex_);
  return ratio_;
}

}  // namespace ringnode
