-- wrk script for bench/status_qr.py: each request submits one domestic health declaration for a new person
-- (a new phone number) with a unique Idempotency-Key; one in five declares a symptom (fever), which also
-- opens a follow-up task and turns the person's status card red.
--
--   wrk ... -s bench/wrk_declarations.lua URL -- <run_id> <area_id> <phone_base>
--
-- done() prints one line `WRKJSON {...}` in the format of bench/wrk_post.lua.

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  run_id = args[1]
  area_id = args[2]
  phone_base = tonumber(args[3])
  sent = 0
  statuses = {}
  samples = {}
end

function request()
  sent = sent + 1
  -- +849 and 8 digits: a valid Vietnamese mobile number, different for every request of the run.
  local phone = string.format("+849%08d", phone_base + thread_id * 1000000 + sent)
  local symptoms = (sent % 5 == 0) and '["fever"]' or '[]'
  local body = '{"kind":"domestic","phone":"' .. phone .. '",' ..
    '"members":[{"full_name":"Người Thử Nghiệm ' .. sent .. '","birth_year":' .. (1950 + sent % 60) .. '}],' ..
    '"data":{"area":' .. area_id .. ',"address_street":"Thôn 1","travelled_14d":false,' ..
    '"symptoms":' .. symptoms .. ',"exposures":[]}}'
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = run_id .. "-" .. thread_id .. "-" .. sent,
  }
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
