// Package attributes is the object of flint's attributes example, the Go
// port of Pyro4's examples/attributes: a Thingy with remote attributes
// (Pyro4's exposed properties) next to state that is not exposed.
//
// Only the attributes named in secure.Attrs are reachable: prop_value
// (read and write, through PropValue and SetPropValue) and prop_sub (read
// only). The fields behind them, and names starting with "_" other than an
// explicitly published dunder name (__dunder__, as in the original), are
// refused with AttributeError. A dotted name is never resolved remotely.
package attributes

import (
	"maps"
	"sync"

	"github.com/flintrpc/flint/secure"
)

// ObjectID is the id the server registers the Thingy factory under.
const ObjectID = "example.attributes"

// Thingy holds a value and a small map.
type Thingy struct {
	mu      sync.Mutex
	sub     map[string]string
	value   int
	private int
}

// NewThingy returns a Thingy with the original example's state.
func NewThingy() *Thingy {
	return &Thingy{sub: map[string]string{"name": "value"}, value: 42, private: 123}
}

// GetValue returns the value (published as getValue).
func (t *Thingy) GetValue() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.value
}

// PropValue is the getter of the prop_value attribute.
func (t *Thingy) PropValue() int { return t.GetValue() }

// SetPropValue is the setter of the prop_value attribute.
func (t *Thingy) SetPropValue(v int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.value = v
}

// PropSub is the getter of the read-only prop_sub attribute. Callers get a
// copy: changing it changes nothing here.
func (t *Thingy) PropSub() map[string]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.sub)
}

// Dunder is published as __dunder__, a public dunder method as Pyro4
// allows them.
func (t *Thingy) Dunder() string { return "yep" }

// Register publishes Thingies on d as "example.attributes", one per client
// connection (Pyro4's default instance mode, which the original relies on).
func Register(d *secure.Daemon) (secure.URI, error) {
	return d.RegisterFactory(NewThingy, secure.Session, secure.WithID(ObjectID),
		secure.Expose("GetValue", "Dunder"), secure.Rename("GetValue", "getValue"), secure.Rename("Dunder", "__dunder__"),
		secure.Attrs("prop_value", "prop_sub"))
}
