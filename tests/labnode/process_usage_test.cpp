// The node's view of its process and machine: CPU arithmetic and the parsers of /proc and
// cgroup texts (recorded from a Linux 6.1 machine, trimmed).
#include "process_usage.h"

#include <doctest/doctest.h>

namespace {

using ringnode::CpuSample;

TEST_CASE("CPU use is the process's CPU seconds over the interval's wall seconds times the CPU count") {
  CHECK(*ringnode::cpu_utilization_ratio({10.0, 100.0}, {12.0, 104.0}, 1) == doctest::Approx(0.5));
  CHECK(*ringnode::cpu_utilization_ratio({10.0, 100.0}, {12.0, 104.0}, 4) == doctest::Approx(0.125));
  CHECK(*ringnode::cpu_utilization_ratio({10.0, 100.0}, {10.0, 104.0}, 2) == 0.0);
}

TEST_CASE("CPU use is clamped to 0..1 and unknown without a positive interval or a CPU") {
  CHECK(*ringnode::cpu_utilization_ratio({0.0, 0.0}, {9.0, 1.0}, 2) == 1.0);  // clock jitter above 100%
  CHECK(*ringnode::cpu_utilization_ratio({5.0, 0.0}, {4.0, 1.0}, 2) == 0.0);  // a counter that went back
  CHECK_FALSE(ringnode::cpu_utilization_ratio({0.0, 5.0}, {1.0, 5.0}, 2).has_value());
  CHECK_FALSE(ringnode::cpu_utilization_ratio({0.0, 6.0}, {1.0, 5.0}, 2).has_value());
  CHECK_FALSE(ringnode::cpu_utilization_ratio({0.0, 0.0}, {1.0, 5.0}, 0).has_value());
}

TEST_CASE("/proc/self/stat: utime + stime in ticks, counted after the name's last parenthesis") {
  const char* stat =
      "4242 (ring node) S 1 4242 4242 0 -1 4194560 2212 0 0 0 150 50 0 0 20 0 12 0 123456 1000000 3000 "
      "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
  CHECK(*ringnode::parse_proc_stat_cpu_seconds(stat, 100) == doctest::Approx(2.0));
  const char* tricky = "7 (a) b) (c) R 1 7 7 0 -1 0 0 0 0 0 300 100 0 0 20 0 1 0 1 1 1";
  CHECK(*ringnode::parse_proc_stat_cpu_seconds(tricky, 100) == doctest::Approx(4.0));
  CHECK_FALSE(ringnode::parse_proc_stat_cpu_seconds("4242 (x) S 1 2", 100).has_value());
  CHECK_FALSE(ringnode::parse_proc_stat_cpu_seconds("no parenthesis", 100).has_value());
}

TEST_CASE("/proc/self/statm: the resident pages times the page size") {
  CHECK(*ringnode::parse_statm_rss_bytes("25000 1200 300 10 0 2000 0\n", 4096) == 1200u * 4096u);
  CHECK_FALSE(ringnode::parse_statm_rss_bytes("25000", 4096).has_value());
}

TEST_CASE("/proc/meminfo: MemTotal in kB") {
  const char* meminfo = "MemTotal:       16318480 kB\nMemFree:         1234567 kB\nMemAvailable:   8000000 kB\n";
  CHECK(*ringnode::parse_meminfo_total_bytes(meminfo) == 16318480ull * 1024);
  CHECK_FALSE(ringnode::parse_meminfo_total_bytes("MemFree: 1 kB\n").has_value());
  CHECK_FALSE(ringnode::parse_meminfo_total_bytes("MemTotal: lots\n").has_value());
}

TEST_CASE("the cgroup v2 path and its memory.max") {
  CHECK(*ringnode::parse_cgroup_v2_path("0::/system.slice/ringnode.service\n") == "/system.slice/ringnode.service");
  CHECK(*ringnode::parse_cgroup_v2_path("12:memory:/x\n0::/user.slice\n") == "/user.slice");
  CHECK_FALSE(ringnode::parse_cgroup_v2_path("12:memory:/x\n4:cpu:/y\n").has_value());
  CHECK(*ringnode::parse_cgroup_memory_max("536870912\n") == 536870912u);
  CHECK_FALSE(ringnode::parse_cgroup_memory_max("max\n").has_value());
  CHECK_FALSE(ringnode::parse_cgroup_memory_max("12ab\n").has_value());
  CHECK_FALSE(ringnode::parse_cgroup_memory_max("").has_value());
}

TEST_CASE("the memory limit is the cgroup's when set and smaller, else the machine's") {
  CHECK(*ringnode::memory_limit_bytes(512, 4096) == 512u);
  CHECK(*ringnode::memory_limit_bytes(8192, 4096) == 4096u);  // a limit above the machine does not apply
  CHECK(*ringnode::memory_limit_bytes(std::nullopt, 4096) == 4096u);
  CHECK(*ringnode::memory_limit_bytes(512, std::nullopt) == 512u);
  CHECK_FALSE(ringnode::memory_limit_bytes(std::nullopt, std::nullopt).has_value());
}

TEST_CASE("the CPU meter measures once an interval has passed, then starts the next") {
  ringnode::CpuMeter meter(std::chrono::seconds(5), 2);
  meter.sample({1.0, 100.0});
  CHECK_FALSE(meter.ratio().has_value());
  meter.sample({2.0, 103.0});  // not 5 s yet
  CHECK_FALSE(meter.ratio().has_value());
  meter.sample({6.0, 105.0});  // 5 CPU seconds in 5 s on 2 CPUs
  CHECK(*meter.ratio() == doctest::Approx(0.5));
  meter.sample({7.0, 110.0});  // 1 CPU second in the next 5 s
  CHECK(*meter.ratio() == doctest::Approx(0.1));
}

TEST_CASE("the real files of this process read") {
  CHECK(ringnode::read_rss_bytes().value_or(0) > 0);
  CHECK(ringnode::read_machine_memory_bytes().value_or(0) > 0);
  CHECK(ringnode::online_cpus() >= 1);
  CHECK(ringnode::read_cpu_sample(std::chrono::steady_clock::now()).has_value());
}

}  // namespace
