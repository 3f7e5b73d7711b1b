-- Job events at volume: distinct build ids, a retry's created event each.
local counter = 0
wrk.method = "POST"
wrk.headers["X-Gitlab-Token"] = "bench-webhook"
wrk.headers["X-Gitlab-Event"] = "Job Hook"
wrk.headers["Content-Type"] = "application/json"
request = function()
    counter = counter + 1
    local id = (offset or 0) + counter
    local body = '{"object_kind":"build","build_id":' .. id .. ',"build_status":"created","build_name":"deploy",'
        .. '"retries_count":1,"pipeline_id":1,"ref":"17.6.202411011200+aaaaaaaaaaa.bbbbbbbbbbb","tag":true}'
    return wrk.format(nil, nil, nil, body)
end
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
