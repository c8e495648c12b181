-- One script for every scenario; the runner passes what varies in the environment:
--   BENCH_METHOD  GET or POST
--   BENCH_BODY    url-encoded form body; BENCHN is replaced by a per-request number
--   BENCH_COOKIE  Cookie header (CSRF cookie for POSTs)
--   BENCH_ORIGIN  Origin header (Django's CSRF check on HTTPS requests)
--   BENCH_STAMPS  file of form stamps, one a line; BENCHSTAMP in the body is
--                 replaced by a stamp no other request of the run sends (a
--                 stamp is good for one submission, as a fetched form is)
--   BENCH_THREADS wrk's thread count (-t), to share the stamps out
-- Every request carries X-Forwarded-Proto: https (production sits behind TLS)
-- and its own X-Real-IP, so the per-client rate limit is exercised as for
-- many visitors, not tripped as for one.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
local origin = os.getenv("BENCH_ORIGIN") or ""
local stamps_file = os.getenv("BENCH_STAMPS") or ""
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  refused = 0
  stamps = {}
  if stamps_file ~= "" then
    for line in io.lines(stamps_file) do stamps[#stamps + 1] = line end
  end
  wrk.headers["X-Forwarded-Proto"] = "https"
  if cookie ~= "" then wrk.headers["Cookie"] = cookie end
  if origin ~= "" then wrk.headers["Origin"] = origin end
  if method == "POST" then
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

function request()
  counter = counter + 1
  local n = id * 100000000 + counter
  wrk.headers["X-Real-IP"] = string.format("10.%d.%d.%d", id % 256, math.floor(counter / 256) % 256, counter % 256)
  if method == "POST" then
    local filled = body:gsub("BENCHN", tostring(n))
    if #stamps > 0 then
      -- Thread id takes every nthreads-th stamp: no two requests share one.
      local stamp = stamps[((counter - 1) * nthreads + id - 1) % #stamps + 1]
      filled = filled:gsub("BENCHSTAMP", function() return stamp end)
    end
    return wrk.format("POST", nil, nil, filled)
  end
  return wrk.format("GET")
end

if method == "POST" then
  -- A form shown again with errors is a 200: count it as refused, not served.
  function response(status, headers, body)
    if status ~= 302 and status ~= 303 then refused = refused + 1 end
  end
end

function done(summary, latency, requests)
  local total_refused = 0
  for _, thread in ipairs(threads) do total_refused = total_refused + (thread:get("refused") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "bad_status": %d, "socket_errors": %d, "refused": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout, total_refused))
end
