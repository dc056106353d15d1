-- wrk script for bench/checkin_ingest.py: every request is a POST with a unique Idempotency-Key.
--
--   wrk ... -s bench/wrk_post.lua URL -- <run_id> <tokens_file> <bearer> <code_token>
--
-- The body is the check-in API's, rotating over the personal QR tokens in tokens_file; the reference
-- endpoints (bare, raw_insert) get the same headers and body, so that only the work differs.
-- done() prints one line `WRKJSON {...}` with counts and latency percentiles (milliseconds).

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  run_id = args[1]
  local tokens_file = args[2]
  bearer = args[3]
  code_token = args[4]
  tokens = {}
  for line in io.lines(tokens_file) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  -- Threads start at different places in the token list.
  counter = (thread_id - 1) * 7919
  sent = 0
  statuses = {}
  samples = {}
end

function request()
  counter = counter + 1
  sent = sent + 1
  local token = tokens[(counter % #tokens) + 1]
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. bearer,
    ["Idempotency-Key"] = run_id .. "-" .. thread_id .. "-" .. sent,
  }
  local body = '{"personal_qr":"' .. token .. '","code_token":"' .. code_token .. '"}'
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 300 and #samples < 3 then
    samples[#samples + 1] = status .. " " .. string.sub(body or "", 1, 300)
  end
end

local function json_string(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local by_status = {}
  local all_samples = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      by_status[status] = (by_status[status] or 0) + n
    end
    for _, sample in ipairs(thread:get("samples") or {}) do
      if #all_samples < 3 then all_samples[#all_samples + 1] = json_string(sample) end
    end
  end
  local ok, not_ok = 0, 0
  local parts = {}
  for status, n in pairs(by_status) do
    if status >= 200 and status < 300 then ok = ok + n else not_ok = not_ok + n end
    parts[#parts + 1] = '"' .. status .. '":' .. n
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"ok":%d,"not_ok":%d,"statuses":{%s},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"samples":[%s]}\n',
    summary.requests, summary.duration, ok, not_ok, table.concat(parts, ","),
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, table.concat(all_samples, ",")))
end
