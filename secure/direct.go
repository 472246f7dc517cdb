package secure

import (
	"fmt"
	"reflect"
	"sort"
)

// DirectMethods is implemented by an object that hands the daemon its
// methods as functions written in Go, keyed by Go method name:
//
//	func (c *Calc) FlintMethods() map[string]any {
//		return map[string]any{"Add": c.Add, "Neg": c.Neg}
//	}
//
// `flint gen -type Calc` writes this method (a file calc_flint.go, meant
// for a //go:generate line; see the README). A method value from
// reflection (what the daemon otherwise binds) goes through the reflect
// package's call trampoline on every call; a method value the compiler
// made does not, which saves a third of the daemon's time per call in a
// batch of small calls.
//
// Exposure is unchanged: Expose and the other options decide what is
// published, and FlintMethods only supplies the functions, so a generated
// map listing every method of the type serves any registration. Register
// checks every entry: it must name an exported method of the object's type
// (or of its pointer type) and have exactly that method's type; an entry
// for a method that is not exposed is accepted and never used. Entries are
// used by methods with a typed fast path (a few parameters and results of
// the basic types, optionally a leading context.Context) on an object in
// Single mode; other calls use reflection as before. A method named
// FlintMethods is never exposed.
//
// An object registered by value (d.Register(T{}, ...)) whose FlintMethods
// has a pointer receiver, as flint gen writes it, still gets its methods
// this way: the daemon calls FlintMethods on a pointer to a copy of the
// registered value, made when it binds the methods. The daemon's own copy
// of a value can never change, so the copy is as good as the original.
type DirectMethods interface {
	FlintMethods() map[string]any
}

// directGoName is the Go name of DirectMethods' method, which buildType
// refuses to expose.
const directGoName = "FlintMethods"

// directOf returns the DirectMethods of inst, the object as registered,
// and the value its entries are bound to: inst itself, or for a value
// whose pointer type implements DirectMethods, a pointer to a copy of it.
func directOf(inst reflect.Value) (DirectMethods, reflect.Value, bool) {
	if !inst.IsValid() {
		return nil, inst, false
	}
	if dm, ok := inst.Interface().(DirectMethods); ok {
		return dm, inst, true
	}
	if inst.Kind() == reflect.Pointer || !reflect.PointerTo(inst.Type()).Implements(directMethodsType) {
		return nil, inst, false
	}
	p := reflect.New(inst.Type())
	p.Elem().Set(inst)
	return p.Interface().(DirectMethods), p, true
}

var directMethodsType = reflect.TypeFor[DirectMethods]()

// checkDirect validates obj's FlintMethods against the method table.
func checkDirect(ot *objectType, obj any) error {
	dm, recv, ok := directOf(reflect.ValueOf(obj))
	if !ok {
		return nil
	}
	exposed := map[string]*method{}
	for _, mt := range ot.methods {
		exposed[mt.goName] = mt
	}
	fns := dm.FlintMethods()
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var want reflect.Type
		if mt, ok := exposed[n]; ok {
			want = reflect.ValueOf(obj).Method(mt.goIndex).Type()
		} else if n == directGoName {
			return fmt.Errorf("%w: FlintMethods of %s names FlintMethods itself", ErrNotRegistrable, ot.typ)
		} else if m := recv.MethodByName(n); m.IsValid() {
			want = m.Type() // exported (MethodByName finds no other), not exposed: never used
		} else {
			return fmt.Errorf("%w: FlintMethods names %s, which is not an exported method of %s", ErrNotRegistrable, n, ot.typ)
		}
		if got := reflect.TypeOf(fns[n]); got != want {
			return fmt.Errorf("%w: FlintMethods entry %s is a %v, want %v", ErrNotRegistrable, n, got, want)
		}
	}
	return nil
}

// methodValue returns method mt of inst as a func value: the object's own
// from FlintMethods when it gives one, else reflection's.
func methodValue(inst reflect.Value, mt *method) any {
	if dm, _, ok := directOf(inst); ok {
		if fn := dm.FlintMethods()[mt.goName]; fn != nil && reflect.TypeOf(fn) == inst.Method(mt.goIndex).Type() {
			return fn
		}
	}
	return inst.Method(mt.goIndex).Interface()
}
