-- wrk script for collect loads (bench/lib/wrk.ts): every request is a tracker beacon as
-- bench/lib/load-child.ts builds it (one page_view, a new event id, visitors and addresses from a
-- fixed pool), sent with the event id as its x-request-id so the answer says which event it was.
--   wrk -t1 -c50 -d10s -s wrk-collect.lua http://127.0.0.1:PORT -- <site keys, comma-separated> <origin> <visitors> <track 0|1> <run id, 8 hex digits>
-- The result (counts, latency percentiles, the ids answered 202, the generator's CPU) goes to the
-- JSON file named by WRK_RESULT.
local UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

-- Main state: one entry per thread, for done().
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

-- Thread states.
local sites, origin, visitors, track, run, host, head
local n = 0
accepted = {}
statuses = {}

function init(args)
  sites = {}
  for key in string.gmatch(args[1], "[^,]+") do sites[#sites + 1] = key end
  origin, visitors, track, run = args[2], tonumber(args[3]), args[4] == "1", args[5]
  host = wrk.host .. ":" .. wrk.port
  head = "POST /v1/collect HTTP/1.1\r\nHost: " .. host .. "\r\nContent-Type: text/plain;charset=UTF-8\r\nOrigin: " .. origin .. "\r\nUser-Agent: " .. UA .. "\r\n"
end

function request()
  n = n + 1
  local v = n % visitors
  local site = sites[(v % #sites) + 1]
  local listing = "mls-" .. ((n * 7919) % 500)
  local id = string.format("%s-%04x-4000-8000-%012x", run, tid, n)
  local body = '{"site":"' .. site .. '","visitor":"00000000-0000-4000-8000-' .. string.format("%012d", v)
    .. '","events":[{"id":"' .. id .. '","type":"page_view","ts":' .. (os.time() * 1000) .. ',"listing":"' .. listing
    .. '","url":"' .. origin .. '/listings/' .. listing .. '?utm_source=bench","props":{"title":"3 bd 2 ba craftsman \226\128\148 ' .. listing
    .. '","referrer":"https://www.google.com/"}}]}'
  local ip = string.format("10.%d.%d.%d", math.floor(v / 65536) % 256, math.floor(v / 256) % 256, v % 256)
  return head .. "X-Forwarded-For: " .. ip .. "\r\nX-Request-Id: " .. id .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if track and status == 202 then accepted[#accepted + 1] = headers["x-request-id"] or headers["X-Request-Id"] end
end

local function cpu_ms()
  local f = io.open("/proc/self/stat", "r")
  if not f then return 0 end
  local stat = f:read("*a")
  f:close()
  local fields = {}
  for field in string.gmatch(string.match(stat, "%) (.*)"), "%S+") do fields[#fields + 1] = field end
  return (tonumber(fields[12]) + tonumber(fields[13])) * 10
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("WRK_RESULT"), "w")
  local codes, ids = {}, {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses")) do codes[code] = (codes[code] or 0) + count end
    for _, id in ipairs(thread:get("accepted")) do ids[#ids + 1] = '"' .. id .. '"' end
  end
  local codeList = {}
  for code, count in pairs(codes) do codeList[#codeList + 1] = '"' .. code .. '":' .. count end
  local pct = {}
  for _, p in ipairs({ 1, 2.5, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.9 }) do
    pct[#pct + 1] = '"' .. p .. '":' .. latency:percentile(p) / 1000
  end
  local e = summary.errors
  out:write('{"requests":', summary.requests, ',"durationUs":', summary.duration, ',"bytes":', summary.bytes,
    ',"errors":{"connect":', e.connect, ',"read":', e.read, ',"write":', e.write, ',"status":', e.status, ',"timeout":', e.timeout, '}',
    ',"latencyMs":{', table.concat(pct, ","), ',"max":', latency.max / 1000, ',"mean":', latency.mean / 1000, '}',
    ',"statusCodes":{', table.concat(codeList, ","), '}',
    ',"cpuMs":', cpu_ms(),
    ',"acceptedIds":[', table.concat(ids, ","), ']}')
  out:close()
end
