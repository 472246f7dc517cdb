package secure

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/flintrpc/flint/value"
)

// Kwargs receives Python keyword arguments that no named parameter took.
// A method whose last parameter has this type accepts **kwargs.
type Kwargs map[string]any

// InstanceMode says how many instances of a registered object exist.
type InstanceMode int

const (
	// Single is one instance shared by every caller (the default for
	// Register).
	Single InstanceMode = iota
	// Session is one instance per client connection, made by the factory on
	// first use and released when the connection ends.
	Session
	// PerCall is a new instance for every call.
	PerCall
)

func (m InstanceMode) String() string {
	switch m {
	case Session:
		return "session"
	case PerCall:
		return "percall"
	}
	return "single"
}

// Option configures a registration.
type Option func(*regOptions) error

type regOptions struct {
	id         string
	expose     []string // Go method names
	names      map[string]string
	oneway     []string
	idempotent []string
	attrs      []string
	params     map[string][]string
	streamed   []string
}

// WithID registers the object under id instead of a random obj_<hex> id.
func WithID(id string) Option {
	return func(o *regOptions) error {
		if id == "" || strings.ContainsAny(id, "@ \t\r\n") {
			return fmt.Errorf("%w: bad object id %q", ErrNotRegistrable, id)
		}
		o.id = id
		return nil
	}
}

// Expose lists the Go methods that remote callers may call. They are
// published under their snake_case names (GetFortune as get_fortune) unless
// renamed with [Rename].
func Expose(goMethods ...string) Option {
	return func(o *regOptions) error { o.expose = append(o.expose, goMethods...); return nil }
}

// ExposeInterface exposes exactly the methods of the interface type I,
// which the object must implement.
func ExposeInterface[I any]() Option {
	t := reflect.TypeFor[I]()
	return func(o *regOptions) error {
		if t.Kind() != reflect.Interface {
			return fmt.Errorf("%w: ExposeInterface needs an interface type, got %s", ErrNotRegistrable, t)
		}
		for i := range t.NumMethod() {
			o.expose = append(o.expose, t.Method(i).Name)
		}
		return nil
	}
}

// Rename publishes the Go method goName under the remote name remote.
func Rename(goName, remote string) Option {
	return func(o *regOptions) error {
		if o.names == nil {
			o.names = map[string]string{}
		}
		o.names[goName] = remote
		return nil
	}
}

// Oneway marks methods (remote names) as oneway: callers do not wait and
// get no result or error.
func Oneway(methods ...string) Option {
	return func(o *regOptions) error { o.oneway = append(o.oneway, methods...); return nil }
}

// Idempotent marks methods (remote names) as safe to send again after a
// broken connection.
func Idempotent(methods ...string) Option {
	return func(o *regOptions) error { o.idempotent = append(o.idempotent, methods...); return nil }
}

// Attrs exposes remote attributes (Pyro4's proxy.attr and proxy.attr = v).
// Each name (remote, snake_case) maps to an exported field, or to a getter
// method (Name or GetName) with an optional setter (SetName).
func Attrs(names ...string) Option {
	return func(o *regOptions) error { o.attrs = append(o.attrs, names...); return nil }
}

// Params names the parameters of a method (remote name), after any
// context.Context, so that Python callers can pass them as keyword
// arguments. Parameters a caller leaves out get their zero value.
func Params(method string, names ...string) Option {
	return func(o *regOptions) error {
		if o.params == nil {
			o.params = map[string][]string{}
		}
		o.params[method] = names
		return nil
	}
}

// Streamed marks methods (remote names) returning a slice whose items are
// delivered one at a time as a remote iterator. Methods returning iter.Seq,
// iter.Seq2 or a receive channel are always streamed.
func Streamed(methods ...string) Option {
	return func(o *regOptions) error { o.streamed = append(o.streamed, methods...); return nil }
}

type resultKind int

const (
	resNone resultKind = iota
	resErr
	resVal
	resValErr
)

type streamKind int

const (
	streamNone streamKind = iota
	streamSeq
	streamSeq2
	streamChan
	streamSlice
)

// method is one exposed method, analysed once at registration.
type method struct {
	name       string
	goName     string // the Go method's name and index in its type
	goIndex    int
	fn         reflect.Value // method expression: receiver is the first argument
	ctx        bool
	params     []reflect.Type
	decs       []value.Decoder
	variadic   bool
	varDec     value.Decoder // element decoder for ...T
	varElem    reflect.Type
	kwargs     bool
	paramNames []string
	res        resultKind
	enc        value.Encoder
	stream     streamKind
	oneway     bool
	idempotent bool

	// The typed call (invoker.go): the receiver type to bind (goIndex is
	// the method), the binder from fastTable (nil: reflect only) and the
	// binding to the last instance.
	recv reflect.Type
	bind fastBind
	fast fastCache
}

type attr struct {
	name   string
	field  []int // field index, or nil
	getter reflect.Value
	setter reflect.Value
	enc    value.Encoder
	dec    value.Decoder
	typ    reflect.Type
}

// objectType is the method table of one Go type.
type objectType struct {
	typ     reflect.Type
	methods map[string]*method
	attrs   map[string]*attr
	meta    Metadata
	// flnt is the FLNT annotation of a CONNECTOK for this type: the
	// daemon's features and the methods marked idempotent.
	flnt string
	// connectOK caches, per serializer id, the encoded CONNECTOK payload
	// with metadata (it depends on nothing else unless ValidateHandshake
	// answers); values are []byte, only ever read.
	connectOK sync.Map
}

// Metadata is what a remote object exposes, as Pyro4 reports it.
type Metadata struct {
	Methods []string
	Oneway  []string
	Attrs   []string
}

var (
	ctxType    = reflect.TypeFor[context.Context]()
	errType    = reflect.TypeFor[error]()
	kwargsType = reflect.TypeFor[Kwargs]()
)

// privateDunder are the dunder names Pyro4 never lets a caller reach; flint
// refuses them too, whatever the registration says.
var privateDunder = map[string]bool{
	"__init__": true, "__init_subclass__": true, "__class__": true, "__module__": true, "__weakref__": true,
	"__call__": true, "__new__": true, "__del__": true, "__repr__": true, "__unicode__": true,
	"__str__": true, "__format__": true, "__nonzero__": true, "__bool__": true, "__coerce__": true,
	"__cmp__": true, "__eq__": true, "__ne__": true, "__hash__": true, "__ge__": true, "__gt__": true, "__le__": true, "__lt__": true,
	"__dir__": true, "__enter__": true, "__exit__": true, "__copy__": true, "__deepcopy__": true, "__sizeof__": true,
	"__getattr__": true, "__setattr__": true, "__hasattr__": true, "__getattribute__": true, "__delattr__": true,
	"__instancecheck__": true, "__subclasscheck__": true, "__getinitargs__": true, "__getnewargs__": true,
	"__getstate__": true, "__setstate__": true, "__reduce__": true, "__reduce_ex__": true,
	"__getstate_for_dict__": true, "__setstate_from_dict__": true, "__subclasshook__": true,
}

// callableName reports whether a remote name may be published: not empty,
// not dotted, and either not starting with "_" or a dunder name ("__x__")
// that is not on Pyro4's private list. Go method names never start with
// "_", so a dunder name is only ever published through an explicit Rename.
func callableName(name string) bool {
	if name == "" || strings.Contains(name, ".") {
		return false
	}
	if !strings.HasPrefix(name, "_") {
		return true
	}
	return len(name) > 4 && strings.HasPrefix(name, "__") && strings.HasSuffix(name, "__") && !privateDunder[name]
}

func buildType(t reflect.Type, o *regOptions) (*objectType, error) {
	if len(o.expose) == 0 && len(o.attrs) == 0 {
		return nil, fmt.Errorf("%w: %s: nothing exposed (use Expose, ExposeInterface or Attrs)", ErrNotRegistrable, t)
	}
	ot := &objectType{typ: t, methods: map[string]*method{}, attrs: map[string]*attr{}}
	for _, goName := range o.expose {
		m, ok := t.MethodByName(goName)
		if !ok || !m.IsExported() {
			return nil, fmt.Errorf("%w: %s has no exported method %s", ErrNotRegistrable, t, goName)
		}
		if goName == directGoName {
			return nil, fmt.Errorf("%w: %s.%s hands the daemon the object's methods (DirectMethods); it is not a remote method", ErrNotRegistrable, t, goName)
		}
		if promoted(t, goName) {
			return nil, fmt.Errorf("%w: %s.%s is promoted from an embedded type; expose it on the embedded type instead", ErrNotRegistrable, t, goName)
		}
		name := value.SnakeCase(goName)
		if r, ok := o.names[goName]; ok {
			name = r
		}
		if !callableName(name) {
			return nil, fmt.Errorf("%w: remote name %q is not callable (empty, dotted or starts with _)", ErrNotRegistrable, name)
		}
		if _, dup := ot.methods[name]; dup {
			return nil, fmt.Errorf("%w: two methods published as %q", ErrNotRegistrable, name)
		}
		mt, err := analyse(m, name)
		if err != nil {
			return nil, err
		}
		mt.oneway = slices.Contains(o.oneway, name)
		mt.idempotent = slices.Contains(o.idempotent, name)
		if slices.Contains(o.streamed, name) {
			if mt.stream != streamNone {
				// already streamed by type
			} else if mt.res == resVal || mt.res == resValErr {
				rt := m.Type.Out(0)
				if rt.Kind() != reflect.Slice && rt.Kind() != reflect.Array {
					return nil, fmt.Errorf("%w: %s returns %s; only slices can be marked Streamed", ErrNotRegistrable, name, rt)
				}
				mt.stream = streamSlice
			}
		}
		if names, ok := o.params[name]; ok {
			if len(names) > len(mt.params) {
				return nil, fmt.Errorf("%w: %s: %d parameter names for %d parameters", ErrNotRegistrable, name, len(names), len(mt.params))
			}
			mt.paramNames = names
		}
		ot.methods[name] = mt
	}
	for _, name := range o.oneway {
		if _, ok := ot.methods[name]; !ok {
			return nil, fmt.Errorf("%w: Oneway names %q, which is not exposed", ErrNotRegistrable, name)
		}
	}
	for _, name := range o.attrs {
		a, err := buildAttr(t, name)
		if err != nil {
			return nil, err
		}
		if _, clash := ot.methods[name]; clash {
			return nil, fmt.Errorf("%w: %q is both a method and an attribute", ErrNotRegistrable, name)
		}
		ot.attrs[name] = a
	}
	for n, m := range ot.methods {
		ot.meta.Methods = append(ot.meta.Methods, n)
		if m.oneway {
			ot.meta.Oneway = append(ot.meta.Oneway, n)
		}
	}
	for n := range ot.attrs {
		ot.meta.Attrs = append(ot.meta.Attrs, n)
	}
	slices.Sort(ot.meta.Methods)
	slices.Sort(ot.meta.Oneway)
	slices.Sort(ot.meta.Attrs)
	ot.flnt = flintFeatures
	var idem []string
	for _, n := range ot.meta.Methods {
		if ot.methods[n].idempotent {
			idem = append(idem, n)
		}
	}
	if len(idem) > 0 {
		ot.flnt += " idempotent=" + strings.Join(idem, ",")
	}
	return ot, nil
}

// promoted reports whether t's method name comes from an embedded field.
func promoted(t reflect.Type, name string) bool {
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct {
		return false
	}
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.Anonymous {
			continue
		}
		ft := f.Type
		if _, ok := ft.MethodByName(name); ok {
			return true
		}
		if ft.Kind() != reflect.Pointer {
			if _, ok := reflect.PointerTo(ft).MethodByName(name); ok {
				return true
			}
		}
	}
	return false
}

func analyse(m reflect.Method, name string) (*method, error) {
	ft := m.Type // includes the receiver
	mt := &method{name: name, goName: m.Name, goIndex: m.Index, fn: m.Func}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: method %s: %s", ErrNotRegistrable, m.Name, fmt.Sprintf(format, a...))
	}
	in := 1
	if ft.NumIn() > 1 && ft.In(1) == ctxType {
		mt.ctx = true
		in = 2
	}
	n := ft.NumIn()
	if n > in && ft.In(n-1) == kwargsType {
		mt.kwargs = true
		n--
	}
	for i := in; i < n; i++ {
		pt := ft.In(i)
		if ft.IsVariadic() && i == ft.NumIn()-1 {
			mt.variadic = true
			mt.varElem = pt.Elem()
			d, err := value.DecoderFor(pt.Elem())
			if err != nil {
				return nil, bad("parameter %d: %v", i-in+1, err)
			}
			mt.varDec = d
			continue
		}
		d, err := value.DecoderFor(pt)
		if err != nil {
			return nil, bad("parameter %d: %v", i-in+1, err)
		}
		mt.params = append(mt.params, pt)
		mt.decs = append(mt.decs, d)
	}
	if mt.kwargs && ft.IsVariadic() {
		return nil, bad("cannot take both ...T and Kwargs")
	}
	switch ft.NumOut() {
	case 0:
		mt.res = resNone
	case 1:
		if ft.Out(0) == errType {
			mt.res = resErr
		} else {
			mt.res = resVal
		}
	case 2:
		if ft.Out(1) != errType {
			return nil, bad("second result must be error")
		}
		mt.res = resValErr
	default:
		return nil, bad("too many results")
	}
	if !mt.kwargs {
		mt.recv = ft.In(0)
		mt.bind = fastBinder(ft)
	}
	if mt.res == resVal || mt.res == resValErr {
		rt := ft.Out(0)
		switch {
		case isSeq(rt):
			mt.stream = streamSeq
		case isSeq2(rt):
			mt.stream = streamSeq2
		case rt.Kind() == reflect.Chan && rt.ChanDir()&reflect.RecvDir != 0:
			mt.stream = streamChan
		}
		et := rt
		switch mt.stream {
		case streamSeq, streamChan:
			et = seqElem(rt)
		case streamSeq2:
			et = nil
		}
		if et != nil {
			enc, err := value.EncoderFor(et)
			if err != nil {
				return nil, bad("result: %v", err)
			}
			mt.enc = enc
		}
	}
	return mt, nil
}

func isSeq(t reflect.Type) bool {
	return t.Kind() == reflect.Func && t.NumIn() == 1 && t.NumOut() == 0 && t.In(0).Kind() == reflect.Func &&
		t.In(0).NumIn() == 1 && t.In(0).NumOut() == 1 && t.In(0).Out(0).Kind() == reflect.Bool
}

func isSeq2(t reflect.Type) bool {
	return t.Kind() == reflect.Func && t.NumIn() == 1 && t.NumOut() == 0 && t.In(0).Kind() == reflect.Func &&
		t.In(0).NumIn() == 2 && t.In(0).NumOut() == 1 && t.In(0).Out(0).Kind() == reflect.Bool
}

func seqElem(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Chan {
		return t.Elem()
	}
	return t.In(0).In(0)
}

var _ iter.Seq[int] // iter.Seq and iter.Seq2 are detected structurally.

func buildAttr(t reflect.Type, name string) (*attr, error) {
	if !callableName(name) {
		return nil, fmt.Errorf("%w: attribute name %q is not allowed", ErrNotRegistrable, name)
	}
	a := &attr{name: name}
	camel := camelCase(name)
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := range st.NumField() {
			f := st.Field(i)
			if !f.IsExported() || f.Anonymous {
				continue
			}
			if f.Name == camel || value.SnakeCase(f.Name) == name {
				if t.Kind() != reflect.Pointer {
					return nil, fmt.Errorf("%w: attribute %q is a field; register a pointer", ErrNotRegistrable, name)
				}
				a.field = f.Index
				a.typ = f.Type
			}
		}
	}
	if a.field == nil {
		for _, g := range []string{camel, "Get" + camel} {
			if m, ok := t.MethodByName(g); ok && m.Type.NumIn() == 1 && m.Type.NumOut() == 1 {
				a.getter = m.Func
				a.typ = m.Type.Out(0)
				break
			}
		}
		if !a.getter.IsValid() {
			return nil, fmt.Errorf("%w: no field or getter for attribute %q", ErrNotRegistrable, name)
		}
		if m, ok := t.MethodByName("Set" + camel); ok && m.Type.NumIn() == 2 && m.Type.In(1) == a.typ {
			a.setter = m.Func
		}
	}
	var err error
	if a.enc, err = value.EncoderFor(a.typ); err != nil {
		return nil, fmt.Errorf("%w: attribute %q: %v", ErrNotRegistrable, name, err)
	}
	if a.dec, err = value.DecoderFor(a.typ); err != nil {
		return nil, fmt.Errorf("%w: attribute %q: %v", ErrNotRegistrable, name, err)
	}
	return a, nil
}

func camelCase(snake string) string {
	var b strings.Builder
	up := true
	for _, r := range snake {
		if r == '_' {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

var errNoSuchAttr = errors.New("no such attribute")
