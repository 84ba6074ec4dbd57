-- wrk script for the load benchmarks (bench/bench_load.py).
--
-- Sends the Authorization header from $BENCH_AUTHORIZATION when set. Arguments after "--":
--   1. the most requests each wrk thread sends; the thread stops there even if the duration is not up
--   2. optional: a file of requests, one per line as "<Authorization header><TAB><JSON body>", each POSTed
--      once (a credential request cannot be replayed: its key proof carries a single-use nonce); the
--      thread stops when they run out
-- At the end, one line "BENCH {json}" with the request count, duration and latency percentiles (µs).

local limit = 0
local sent = 0
local fixed = nil
local bodies = nil

function init(args)
  limit = tonumber(args[1]) or 100000
  local authorization = os.getenv("BENCH_AUTHORIZATION")
  if authorization and authorization ~= "" then
    wrk.headers["Authorization"] = authorization
  end
  if args[2] then
    bodies = {}
    for line in io.lines(args[2]) do
      local authorization, body = line:match("^([^\t]*)\t(.*)$")
      bodies[#bodies + 1] = {authorization, body}
    end
    wrk.method = "POST"
  else
    fixed = wrk.format()
  end
end

function request()
  sent = sent + 1
  if sent >= limit or (bodies and sent >= #bodies) then
    wrk.thread:stop()
  end
  if bodies then
    local entry = bodies[math.min(sent, #bodies)]
    return wrk.format(nil, nil, {["Authorization"] = entry[1], ["Content-Type"] = "application/json"}, entry[2])
  end
  return fixed
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
