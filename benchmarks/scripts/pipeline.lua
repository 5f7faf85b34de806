-- wrk script: every connection sends DEPTH hello-world GETs in one write and the next batch
-- once all their responses are in; wrk counts each response as one request.
--
--     wrk -t1 -c16 -d10s -s benchmarks/scripts/pipeline.lua http://127.0.0.1:8080/ -- 16
--
-- DEPTH is the argument after "--" (16 when absent). wrk learns how many requests a batch
-- holds by parsing what request() returns once, so the batch must not change between calls.

local batch

function init(args)
   local depth = tonumber(args[1]) or 16
   if depth < 1 then
      error("pipeline depth must be at least 1, got " .. tostring(args[1]))
   end
   batch = string.rep(wrk.format("GET", wrk.path), depth)
end

function request()
   return batch
end
