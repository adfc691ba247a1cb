-- wrk script: POST /bookings, each request a stay no other request takes.
-- Arguments (after --): IDS_FILE API_KEY FIRST_DAY THREADS
--   IDS_FILE   one property id a line
--   FIRST_DAY  days since 1970-01-01 of the first night booked
-- Thread t books, in turn, night FIRST_DAY + round * THREADS + t of every
-- listing, so no two requests ask for the same night of the same listing.
local counter = 0
thread_index = 0  -- set per thread by setup(); a global, so that thread:set reaches it
local next_index = 0

function setup(thread)
  thread:set("thread_index", next_index)
  next_index = next_index + 1
end

function init(args)
  ids = {}
  for line in io.lines(args[1]) do
    ids[#ids + 1] = line
  end
  key = args[2]
  first_day = tonumber(args[3])
  threads = tonumber(args[4])
end

local function day(days)
  return os.date("!%Y-%m-%d", days * 86400)
end

function request()
  local property = ids[(counter % #ids) + 1]
  local night = first_day + math.floor(counter / #ids) * threads + thread_index
  counter = counter + 1
  local body = string.format(
    '{"property":"%s","guest":"guest-%d-%d","from":"%s","to":"%s","guests":2}',
    property, thread_index, counter, day(night), day(night + 1))
  return wrk.format("POST", "/bookings", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }, body)
end
