"""The hot store's Lua scripts: each write to Redis is one atomic script (one round trip).

``APPLY`` merges a batch of heartbeats or registrations (2 keys and one JSON argument each, after 3 common keys
and 3 common arguments: fewer arguments cost the client less to pack) into their tags' status hashes, refreshes TTLs, marks the instances dirty for the SQL flush
and publishes status changes; ``TRANSITION`` applies a sweep's status change only if the record did not move
meanwhile; ``SCRAPE`` records a health scrape; ``PUBLISH`` numbers and publishes an event.
"""

from __future__ import annotations

__all__ = ["APPLY", "PUBLISH", "SCRAPE", "TRANSITION"]

APPLY = """
local status_ttl, metrics_ttl, channel = ARGV[1], ARGV[2], ARGV[3]
local out = {}
for i = 1, #ARGV - 3 do
  local it = cjson.decode(ARGV[3 + i])
  local kstatus, kmetrics = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local inst, mode, rec = it.instance, it.mode, it.record
  local old_raw = redis.call('HGET', kstatus, inst)
  local previous = false
  if old_raw then
    local old = cjson.decode(old_raw)
    previous = old.status
    rec.id = old.id
    if mode == 'heartbeat' then
      rec.registered_at = old.registered_at
      rec.scrape_failures = old.scrape_failures
      rec.last_scrape_at = old.last_scrape_at
      if old.status == 'error' and old.scrape_failures >= it.threshold then
        rec.status = 'error'
        rec.reason = old.reason
      end
    end
    if previous == rec.status then
      rec.status_since = old.status_since
      if mode == 'heartbeat' then rec.reason = old.reason end
    end
  end
  redis.call('HSET', kstatus, inst, cjson.encode(rec))
  redis.call('EXPIRE', kstatus, status_ttl)
  redis.call('HSET', kmetrics, inst, it.metrics)
  redis.call('EXPIRE', kmetrics, metrics_ttl)
  redis.call('SADD', KEYS[1], it.dirty)
  redis.call('SADD', KEYS[2], it.tag)
  if previous ~= rec.status or mode == 'register' then
    local event = it.event
    if mode == 'register' or not previous then
      event.event = 'worker.registered'
    end
    event.seq = redis.call('INCR', KEYS[3])
    event.data.status = rec.status
    event.data.reason = rec.reason
    if previous then event.data.previous_status = previous else event.data.previous_status = cjson.null end
    redis.call('PUBLISH', channel, cjson.encode(event))
  end
  out[#out + 1] = previous or ''
  out[#out + 1] = rec.status
end
return out
"""

TRANSITION = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'', ''} end
local rec = cjson.decode(raw)
if ARGV[2] ~= '' and rec.status ~= ARGV[2] then return {rec.status, rec.status} end
if ARGV[3] ~= '' and rec.last_seen ~= tonumber(ARGV[3]) then return {rec.status, rec.status} end
local previous = rec.status
rec.status = ARGV[4]
if ARGV[5] == '' then rec.reason = cjson.null else rec.reason = ARGV[5] end
if previous ~= rec.status then rec.status_since = tonumber(ARGV[6]) end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('SADD', KEYS[2], ARGV[7])
return {previous, rec.status}
"""

SCRAPE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'', ''} end
local rec = cjson.decode(raw)
local previous = rec.status
local now = tonumber(ARGV[3])
rec.last_scrape_at = now
if ARGV[2] == '1' then
  rec.scrape_failures = 0
  if rec.status == 'error' and rec.reason == 'scrape_failed' then
    if now - rec.last_seen <= tonumber(ARGV[5]) then
      if rec.consuming then rec.status = 'running' else rec.status = 'idle' end
      rec.reason = cjson.null
    end
  end
  redis.call('HSET', KEYS[3], ARGV[6], ARGV[7])
  redis.call('EXPIRE', KEYS[3], ARGV[8])
else
  rec.scrape_failures = rec.scrape_failures + 1
  if rec.scrape_failures >= tonumber(ARGV[4]) and (rec.status == 'running' or rec.status == 'idle') then
    rec.status = 'error'
    rec.reason = 'scrape_failed'
  end
end
if previous ~= rec.status then rec.status_since = now end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('SADD', KEYS[2], ARGV[9])
return {previous, rec.status}
"""

PUBLISH = """
local event = cjson.decode(ARGV[1])
event.seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[2], cjson.encode(event))
return event.seq
"""
