//! The Lua scripts that make each store operation one atomic step in Redis.
//!
//! Keys, all under the configured prefix `P`:
//! - `P peers`: sorted set, peer ID → last seen (ms), for counting and the expiry sweep;
//! - `P swarms`: set of swarm IDs (hex) with at least one member;
//! - `P peer:ID`: the peer's record (JSON);
//! - `P m:ID`: set of the swarms the peer is in (read by the sweep without parsing JSON);
//! - `P s:SWARM`: sorted set, member → last seen (ms): fresh members are its top ranks;
//! - `P c:SWARM`: hash, member → card (JSON), what peer lists are made of;
//! - `P sd:SWARM`: set of the members that are SEEDER in the swarm (for the statistics page).
//!
//! Per-peer and per-swarm keys carry a backstop TTL (a multiple of the track timer) renewed by
//! every commit, so state left by trackers that all stopped still disappears; the sweep, not
//! the TTL, is what expires peers while trackers run.

/// Removes member `id` from swarm `s`, dropping the swarm when it empties.
const LEAVE: &str = r"
local function leave(p, s, id)
  local z = p .. 's:' .. s
  redis.call('ZREM', z, id)
  redis.call('HDEL', p .. 'c:' .. s, id)
  redis.call('SREM', p .. 'sd:' .. s, id)
  if redis.call('ZCARD', z) == 0 then
    redis.call('SREM', p .. 'swarms', s)
    redis.call('DEL', z, p .. 'c:' .. s, p .. 'sd:' .. s)
  end
end
";

/// ARGV: prefix, peer ID, record JSON ("" to de-register), card JSON, last seen (ms), TTL (ms),
/// max peers per swarm, max swarms, max peers, then four counted lists: left, joined, the
/// record's swarms, and those of them it seeds. Returns `{'ok'}`, `{'peers'}`, `{'swarms'}` or `{'swarm', SWARM}`.
const COMMIT: &str = r"
local p, id, rec, card, now, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local max_pps, max_sw, max_peers = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local i = 10
local function list()
  local n, out = tonumber(ARGV[i]), {}
  for k = 1, n do out[k] = ARGV[i + k] end
  i = i + n + 1
  return out
end
local left, joined, swarms, seeding = list(), list(), list(), list()
local mkey = p .. 'm:' .. id
if rec ~= '' then
  if not redis.call('ZSCORE', p .. 'peers', id) and redis.call('ZCARD', p .. 'peers') >= max_peers then
    return {'peers'}
  end
  local new_swarms = 0
  for _, s in ipairs(joined) do
    local z = p .. 's:' .. s
    if not redis.call('ZSCORE', z, id) then
      local n = redis.call('ZCARD', z)
      if n >= max_pps then return {'swarm', s} end
      if n == 0 then new_swarms = new_swarms + 1 end
    end
  end
  if new_swarms > 0 and redis.call('SCARD', p .. 'swarms') + new_swarms > max_sw then
    return {'swarms'}
  end
end
local keep, seeds = {}, {}
for _, s in ipairs(swarms) do keep[s] = true end
for _, s in ipairs(seeding) do seeds[s] = true end
local gone = redis.call('SMEMBERS', mkey)
for _, s in ipairs(left) do table.insert(gone, s) end
for _, s in ipairs(gone) do
  if not keep[s] then leave(p, s, id) end
end
if rec == '' then
  redis.call('DEL', p .. 'peer:' .. id, mkey)
  redis.call('ZREM', p .. 'peers', id)
  return {'ok'}
end
redis.call('DEL', mkey)
for _, s in ipairs(swarms) do
  local z, c = p .. 's:' .. s, p .. 'c:' .. s
  redis.call('ZADD', z, now, id)
  redis.call('HSET', c, id, card)
  local sd = p .. 'sd:' .. s
  if seeds[s] then
    redis.call('SADD', sd, id)
    redis.call('PEXPIRE', sd, ttl)
  else
    redis.call('SREM', sd, id)
  end
  redis.call('PEXPIRE', z, ttl)
  redis.call('PEXPIRE', c, ttl)
  redis.call('SADD', p .. 'swarms', s)
  redis.call('SADD', mkey, s)
end
redis.call('PEXPIRE', mkey, ttl)
redis.call('SET', p .. 'peer:' .. id, rec, 'PX', ttl)
redis.call('ZADD', p .. 'peers', now, id)
return {'ok'}
";

/// ARGV: prefix, swarm, fresh since (ms), pool, seed. Fresh members are the top ranks of the
/// swarm's sorted set; when there are more than `pool`, a window of `pool` of them starting at
/// `seed` (wrapping) is taken. Returns their cards.
pub(super) const CANDIDATES: &str = r"
local p, s, since, pool, seed = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local z = p .. 's:' .. s
local n = redis.call('ZCARD', z)
local fresh = redis.call('ZCOUNT', z, since, '+inf')
if fresh == 0 or pool == 0 then return {} end
local first = n - fresh
local ids
if fresh <= pool then
  ids = redis.call('ZRANGE', z, first, -1)
else
  local start = first + (seed % fresh)
  ids = redis.call('ZRANGE', z, start, math.min(start + pool - 1, n - 1))
  if #ids < pool then
    for _, id in ipairs(redis.call('ZRANGE', z, first, first + pool - #ids - 1)) do
      table.insert(ids, id)
    end
  end
end
return redis.call('HMGET', p .. 'c:' .. s, unpack(ids))
";

/// ARGV: prefix, before (ms), max. Removes up to `max` peers last seen before `before` from
/// every swarm; returns how many.
const EXPIRE: &str = r"
local p, before, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', p .. 'peers', '-inf', '(' .. before, 'LIMIT', 0, max)
for _, id in ipairs(ids) do
  local mkey = p .. 'm:' .. id
  for _, s in ipairs(redis.call('SMEMBERS', mkey)) do leave(p, s, id) end
  redis.call('DEL', p .. 'peer:' .. id, mkey)
  redis.call('ZREM', p .. 'peers', id)
end
return #ids
";

/// ARGV: prefix, max. Up to `max` swarms picked at random (all when there are fewer), each as
/// three strings: swarm (hex), members, seeders.
pub(super) const SWARMS: &str = r"
local p, max = ARGV[1], tonumber(ARGV[2])
local out = {}
if max == 0 then return out end
for _, s in ipairs(redis.call('SRANDMEMBER', p .. 'swarms', max)) do
  table.insert(out, s)
  table.insert(out, tostring(redis.call('ZCARD', p .. 's:' .. s)))
  table.insert(out, tostring(redis.call('SCARD', p .. 'sd:' .. s)))
end
return out
";

/// The commit script with its helper.
pub(super) fn commit() -> String {
    format!("{LEAVE}{COMMIT}")
}

/// The expiry script with its helper.
pub(super) fn expire() -> String {
    format!("{LEAVE}{EXPIRE}")
}
