package secure

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
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
