package secure

import (
	"fmt"
	"reflect"
	"sort"
)

// DirectMethods is implemented by an object that hands the daemon its
// exposed methods as method values written in Go, keyed by Go method name:
//
//	func (c *Calc) FlintMethods() map[string]any {
//		return map[string]any{"Add": c.Add, "Neg": c.Neg}
//	}
//
// A method value from reflection (what the daemon otherwise binds) goes
// through the reflect package's call trampoline on every call; a method
// value the compiler made does not, which saves a third of the daemon's
// time per call in a batch of small calls. Exposure is unchanged: Expose
// and the other options decide what is published, and FlintMethods only
// supplies the functions. Register checks every entry: it must name an
// exposed method and have exactly that method's type. Entries are used by
// methods with a typed fast path (a few parameters and results of the
// basic types, optionally a leading context.Context) on an object in
// Single mode; other calls use reflection as before.
type DirectMethods interface {
	FlintMethods() map[string]any
}

// checkDirect validates obj's FlintMethods against the method table.
func checkDirect(ot *objectType, obj any) error {
	dm, ok := obj.(DirectMethods)
	if !ok {
		return nil
	}
	byGo := map[string]*method{}
	for _, mt := range ot.methods {
		byGo[mt.goName] = mt
	}
	fns := dm.FlintMethods()
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		mt, ok := byGo[n]
		if !ok {
			return fmt.Errorf("%w: FlintMethods names %s, which is not an exposed method of %s", ErrNotRegistrable, n, ot.typ)
		}
		want := reflect.ValueOf(obj).Method(mt.goIndex).Type()
		if got := reflect.TypeOf(fns[n]); got != want {
			return fmt.Errorf("%w: FlintMethods entry %s is a %v, want %v", ErrNotRegistrable, n, got, want)
		}
	}
	return nil
}

// methodValue returns method mt of inst as a func value: the object's own
// from FlintMethods when it gives one, else reflection's.
func methodValue(inst reflect.Value, mt *method) any {
	if dm, ok := inst.Interface().(DirectMethods); ok {
		if fn := dm.FlintMethods()[mt.goName]; fn != nil && reflect.TypeOf(fn) == inst.Method(mt.goIndex).Type() {
			return fn
		}
	}
	return inst.Method(mt.goIndex).Interface()
}
