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
