-- wrk script: replays pre-signed webhook requests from a file, one line per request:
--   <timestamp>\t<signature>\t<json body>
-- Each wrk thread takes every Nth line so comment ids never repeat across threads.
-- Optional 4th argument: milliseconds each connection waits before its next request
-- (pacing: about connections * 1000 / pace requests/s while responses are fast).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, path = args[1], args[2]
  nthreads = tonumber(args[3])
  reqs = {}
  local n = 0
  for line in io.lines(file) do
    if n % nthreads == tid then
      local ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["X-Colombe-Timestamp"] = ts,
        ["X-Colombe-Signature"] = sig,
      }, body)
    end
    n = n + 1
  end
  i = 0
  pace = tonumber(args[4] or "0") or 0
end

function delay()
  return pace
end

function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
