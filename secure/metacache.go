package secure

import (
	"slices"
	"sync"
)

// knownMeta remembers, per object and location, the metadata of the last
// handshake any proxy of this process made with it. A new proxy uses it
// for one decision only: whether its first call may ride behind the
// handshake. That is safe only for a method known to be an ordinary
// two-way call (a oneway method sent as a plain call would make the
// caller wait, and count outside the daemon's oneway bounds), so an
// object never seen before costs the usual two round trips once. The
// daemon still checks and authorizes every call; a stale entry at worst
// makes one call wait for a reply.
var knownMeta = metaCache{max: 1024}

type metaCache struct {
	mu  sync.Mutex
	max int
	m   map[string]Metadata
}

// twoWay tells whether key's object was last seen with method as an
// ordinary (not oneway) method.
func (c *metaCache) twoWay(key, method string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	meta, ok := c.m[key]
	return ok && slices.Contains(meta.Methods, method) && !slices.Contains(meta.Oneway, method)
}

func (c *metaCache) store(key string, meta Metadata) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]Metadata) // bounded: start over when full
	}
	c.m[key] = meta
}

// seenReplies remembers the metadata decoded from recent CONNECTOK
// payloads, by serializer and payload bytes: a daemon sends the same bytes
// to every client of an object, and decoding them was a fifth of a new
// connection's allocations. Only the bytes decide, so an entry is exactly
// what decoding would give; the lists are shared and never modified.
var seenReplies = replyCache{max: 64}

// maxCachedReply bounds the payloads seenReplies keeps.
const maxCachedReply = 4 << 10

type replyCache struct {
	mu  sync.Mutex
	max int
	m   map[uint16]map[string]Metadata // serializer id, payload
}

func (c *replyCache) get(ser uint16, data []byte) (Metadata, bool) {
	if len(data) > maxCachedReply {
		return Metadata{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.m[ser][string(data)]
	return m, ok
}

func (c *replyCache) put(ser uint16, data []byte, meta Metadata) {
	if len(data) > maxCachedReply {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.len() >= c.max {
		c.m = map[uint16]map[string]Metadata{} // bounded: start over when full
	}
	if c.m[ser] == nil {
		c.m[ser] = map[string]Metadata{}
	}
	c.m[ser][string(data)] = meta
}

// len returns the number of payloads kept; c.mu is held.
func (c *replyCache) len() int {
	n := 0
	for _, byData := range c.m {
		n += len(byData)
	}
	return n
}
