-- wrk's report as one JSON line, for the bench scripts (wrk -s bench/wrk_report.lua ...):
-- requests, seconds, bytes, errors by kind (connect, read, write, timeout: socket errors; status:
-- answers outside 2xx/3xx) and latency percentiles in milliseconds. It is the last line wrk prints.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "status": %d}, "latency_ms": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f}}\n',
    summary.requests, summary.duration / 1e6, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
