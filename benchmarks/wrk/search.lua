-- wrk script: GET /search over the benchmark's cities, with and without text.
-- Arguments (after --): API_KEY
local queries = {
  "/search?city=Lisbon", "/search?city=Porto&sort=price", "/search?q=river",
  "/search?q=quiet+flat&city=Lisbon&guests=2", "/search?city=Porto&page=3",
}
local counter = 0

function init(args)
  key = args[1]
end

function request()
  counter = counter + 1
  return wrk.format("GET", queries[(counter % #queries) + 1],
                    { ["Authorization"] = "Bearer " .. key })
end
