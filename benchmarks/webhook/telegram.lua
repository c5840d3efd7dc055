-- wrk script: realistic Telegram updates, unique update ids, many citizens, the secret header.
-- Env: BENCH_SECRET (webhook secret), BENCH_PATH (route), BENCH_KIND (telegram | rasa | ceiling).
-- Counts every answer outside 2xx (wrk's own error count only sees status >= 400).
local secret = os.getenv("BENCH_SECRET") or ""
local path = os.getenv("BENCH_PATH") or "/webhooks/telegram"
local kind = os.getenv("BENCH_KIND") or "telegram"
local run = tonumber(os.getenv("BENCH_RUN") or "0")
local texts = {
  "Jalan di depan pasar Kebayoran berlubang besar sudah dua minggu, motor sering jatuh",
  "Lampu penerangan jalan di Jl. Melati RT 03 mati sejak seminggu, gelap dan rawan",
  "Sampah menumpuk di pinggir kali dekat jembatan Cikini belum diangkut lima hari",
  "Mohon dibangun taman bermain anak di lahan kosong dekat kelurahan Sukamaju",
  "Bagaimana syarat membuat KTP elektronik untuk warga pindahan dari luar kota?",
  "Pelayanan di puskesmas kecamatan sangat lambat, antrean sampai tiga jam",
  "Saluran air di perumahan Griya Asri tersumbat, setiap hujan banjir sebetis",
  "The street light on Jl. Kenanga has been broken for two weeks, please fix it",
  "status",
  "Halo, selamat pagi",
}
local counter = 0
local threads = {}
local next_tid = 0
local tid = 0

function setup(thread)
  -- thread:set writes a GLOBAL in the thread's Lua state; init copies it into the local.
  thread:set("thread_id", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  tid = tonumber(rawget(_G, "thread_id")) or 0
  math.randomseed(os.time() + tid * 7919)
end

local function escape(s)
  return (s:gsub('"', '\\"'))
end

request = function()
  counter = counter + 1
  -- Unique across runs (BENCH_RUN) and threads: every request is a new update.
  local id = run * 1000000000 + (tid + 1) * 100000000 + counter
  local chat = 100000 + math.random(0, 19999)
  local text = texts[(counter % #texts) + 1]
  local body
  if kind == "rasa" then
    body = string.format('{"sender":"%d","message":"%s"}', chat, escape(text))
  else
    body = string.format(
      '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,' ..
      '"first_name":"Warga","language_code":"id"},"chat":{"id":%d,"type":"private",' ..
      '"first_name":"Warga"},"date":1795410000,"text":"%s"}}',
      id, counter, chat, chat, escape(text))
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Telegram-Bot-Api-Secret-Token"] = secret,
  }, body)
end

-- Per thread (a global, so done() can read it with thread:get).
non2xx = 0

response = function(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx = 0
  for _, thread in ipairs(threads) do
    non2xx = non2xx + (tonumber(thread:get("non2xx")) or 0)
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_ms":%.2f,"p90_ms":%.2f,' ..
    '"p99_ms":%.2f,"max_ms":%.2f,"non2xx":%d,"status_4xx_5xx":%d,"socket_errors":%d,' ..
    '"timeouts":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, non2xx, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
