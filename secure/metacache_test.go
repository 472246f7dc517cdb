package secure

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/flintrpc/flint/policy"
)

func TestMetaCacheTwoWayOnly(t *testing.T) {
	c := metaCache{max: 4}
	assert.False(t, c.twoWay("obj@h:1", "add"), "unknown object")
	c.store("obj@h:1", Metadata{Methods: []string{"add", "work"}, Oneway: []string{"work"}})
	assert.True(t, c.twoWay("obj@h:1", "add"))
	assert.False(t, c.twoWay("obj@h:1", "work"), "a oneway method never rides behind CONNECT")
	assert.False(t, c.twoWay("obj@h:1", "missing"))
	assert.False(t, c.twoWay("obj@h:2", "add"), "another location")
}

func TestMetaCacheBounded(t *testing.T) {
	c := metaCache{max: 4}
	for i := range 100 {
		c.store(fmt.Sprintf("obj%d@h:1", i), Metadata{Methods: []string{"m"}})
		assert.LessOrEqual(t, len(c.m), 4)
	}
	assert.True(t, c.twoWay("obj99@h:1", "m"), "the newest entry is kept")
}

func TestReplyCacheByBytes(t *testing.T) {
	c := replyCache{max: 4}
	a := Metadata{Methods: []string{"add"}}
	c.put(1, []byte("payload"), a)
	got, ok := c.get(1, []byte("payload"))
	assert.True(t, ok)
	assert.Equal(t, a, got)
	_, ok = c.get(2, []byte("payload"))
	assert.False(t, ok, "another serializer")
	_, ok = c.get(1, []byte("payloaD"))
	assert.False(t, ok, "other bytes")
	big := make([]byte, maxCachedReply+1)
	c.put(1, big, a)
	_, ok = c.get(1, big)
	assert.False(t, ok, "large payloads are not kept")
	for i := range 100 {
		c.put(1, fmt.Appendf(nil, "p%d", i), a)
		assert.LessOrEqual(t, c.len(), 4)
	}
	_, ok = c.get(1, []byte("p99"))
	assert.True(t, ok, "the newest entry is kept")
}

// TestProxyMetadataIsACopy: proxies of one object share the decoded
// metadata; what Metadata returns is the caller's to change.
func TestProxyMetadataIsACopy(t *testing.T) {
	pol := &policy.Policy{AllowInsecurePlaintext: true}
	d := newTestDaemon(t, pol)
	uri, err := d.Register(bulkObj{}, Expose("Take", "Ping"))
	assert.NoError(t, err)
	startDaemon(t, d)
	var metas []Metadata
	for range 2 {
		p, err := NewProxy(uri, ProxyConfig{Policy: pol, Serializer: "msgpack"})
		assert.NoError(t, err)
		_, err = p.Call(t.Context(), "ping")
		assert.NoError(t, err)
		m := p.Metadata()
		m.Methods[0] = "changed"
		metas = append(metas, p.Metadata())
		p.Close()
	}
	for _, m := range metas {
		assert.Equal(t, []string{"ping", "take"}, m.Methods)
	}
}
