package secure

import (
	"context"
	"reflect"
	"sync/atomic"

	"github.com/flintrpc/flint/value"
)

// Typed calls. reflect.Value.Call costs an allocation for its results, one
// reflect.New per argument and a slice of arguments on every call. For the
// common method signatures (a few parameters and results of the basic
// types, optionally a leading context.Context) registration picks instead a
// binder from fastTable, a table of func types built once at init. The
// binder type-asserts a method value bound to the instance (once per
// instance, not per call) to its func type and returns a closure that
// decodes the arguments, calls the method directly and encodes the result.
//
// The closure behaves exactly like the reflect path: an argument it cannot
// convert on its own (a *big.Int that fits, an int where a float64 is
// wanted, a wrong type) goes through the method's own value.Decoder, so the
// value or the TypeError is the one bindArgs would give; results are
// encoded as the method's value.Encoder encodes them, with autoproxying for
// interface results. Calls that need bindArgs' work (keyword arguments, a
// wrong number of arguments) take the reflect path, as do variadic and
// Kwargs methods, streams and every signature outside the table.

// fastFn runs a method bound to one instance on exactly len(mt.params)
// positional arguments.
type fastFn func(sc *serverConn, ctx context.Context, args []any) (any, error)

// fastBind makes the fastFn of method value fn (inst.Method(i).Interface()),
// or returns nil if fn is not of the binder's func type.
type fastBind func(fn any, mt *method) fastFn

// boundFast is a fastFn together with the instance it is bound to.
type boundFast struct {
	inst reflect.Value
	fn   fastFn
}

// fastCache holds the binding of a method to the last instance it ran on.
type fastCache struct{ p atomic.Pointer[boundFast] }

// fastFor returns the typed call of mt on inst, or nil when mt has none.
// inst must be the object's shared (Single) instance: the binding is kept
// for the next call, which compares the reflect.Value itself (the same
// instance is always the same Value).
func (mt *method) fastFor(inst reflect.Value) fastFn {
	if mt.bind == nil {
		return nil
	}
	if b := mt.fast.p.Load(); b != nil && b.inst == inst {
		return b.fn
	}
	if !inst.IsValid() || inst.Type() != mt.recv {
		return nil
	}
	fn := mt.bind(methodValue(inst, mt), mt)
	if fn == nil {
		return nil
	}
	mt.fast.p.Store(&boundFast{inst: inst, fn: fn})
	return fn
}

// fastBinder returns the table's binder for a method of type ft (whose
// first input is the receiver), or nil.
func fastBinder(ft reflect.Type) fastBind {
	if ft.IsVariadic() {
		return nil
	}
	in := make([]reflect.Type, 0, ft.NumIn())
	for i := 1; i < ft.NumIn(); i++ {
		in = append(in, ft.In(i))
	}
	out := make([]reflect.Type, 0, ft.NumOut())
	for i := range ft.NumOut() {
		out = append(out, ft.Out(i))
	}
	return fastTable[reflect.FuncOf(in, out, false)]
}

// getter reads one argument of a typed call.
type getter[A any] func(ctx context.Context, args []any) (A, error)

// param makes the getter of a parameter at positional index i; slot says
// whether it takes a positional argument (a context does not).
type param[A any] func(mt *method, i int) (g getter[A], slot bool)

// conv converts a model value to A in the cases where the result is
// certainly the one A's value.Decoder gives; ok false sends the value to
// that decoder.
type conv[A any] func(v any) (A, bool)

func valueParam[A any](c conv[A]) param[A] {
	return func(mt *method, i int) (getter[A], bool) {
		return func(_ context.Context, args []any) (A, error) {
			if a, ok := c(args[i]); ok {
				return a, nil
			}
			return slowArg[A](mt, i, args[i])
		}, true
	}
}

// slowArg decodes args[i] with the method's own decoder, for the values
// conv leaves alone and for the errors.
func slowArg[A any](mt *method, i int, v any) (A, error) {
	var a A
	dst := reflect.ValueOf(&a).Elem()
	if err := mt.decs[i](v, dst); err != nil {
		return a, argError(i, err)
	}
	return a, nil
}

func ctxParam(*method, int) (getter[context.Context], bool) {
	return func(ctx context.Context, _ []any) (context.Context, error) { return ctx, nil }, false
}

// The conversions of value.DecoderFor for the basic types: an int64 in
// range for the integer kinds, float64 or int64 for float64, the exact type
// otherwise; any takes everything.
func convInt(v any) (int, bool) {
	i, ok := v.(int64)
	return int(i), ok && int64(int(i)) == i
}

func convInt64(v any) (int64, bool) { i, ok := v.(int64); return i, ok }

func convFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func convString(v any) (string, bool) { s, ok := v.(string); return s, ok }
func convBool(v any) (bool, bool)     { b, ok := v.(bool); return b, ok }
func convAny(v any) (any, bool)       { return v, true }

// result encodes a method's result as its value.Encoder does.
type result[R any] func(sc *serverConn, r R) (any, error)

func resInt(_ *serverConn, r int) (any, error)       { return int64(r), nil }
func resInt64(_ *serverConn, r int64) (any, error)   { return r, nil }
func resFloat(_ *serverConn, r float64) (any, error) { return r, nil }
func resString(_ *serverConn, r string) (any, error) { return r, nil }
func resBool(_ *serverConn, r bool) (any, error)     { return r, nil }

// resAny is encodeResult for an interface result: a registered object
// becomes a proxy to it, anything else a model value.
func resAny(sc *serverConn, r any) (any, error) {
	if r == nil {
		return nil, nil
	}
	if px, ok := sc.autoproxy(r); ok {
		return px, nil
	}
	return value.FromInterface(r)
}

// resError is a method whose only result is an error.
func resError(_ *serverConn, err error) (any, error) { return nil, err }

// The binders, by number of parameters: N for no result, V for one result
// (which may be an error), E for a result and an error.

func bindN0() fastBind {
	return func(fn any, _ *method) fastFn {
		f, ok := fn.(func())
		if !ok {
			return nil
		}
		return func(*serverConn, context.Context, []any) (any, error) { f(); return nil, nil }
	}
}

func bindV0[R any](res result[R]) fastBind {
	return func(fn any, _ *method) fastFn {
		f, ok := fn.(func() R)
		if !ok {
			return nil
		}
		return func(sc *serverConn, _ context.Context, _ []any) (any, error) { return res(sc, f()) }
	}
}

func bindE0[R any](res result[R]) fastBind {
	return func(fn any, _ *method) fastFn {
		f, ok := fn.(func() (R, error))
		if !ok {
			return nil
		}
		return func(sc *serverConn, _ context.Context, _ []any) (any, error) {
			r, err := f()
			if err != nil {
				return nil, err
			}
			return res(sc, r)
		}
	}
}

func bindN1[A any](pa param[A]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A))
		if !ok {
			return nil
		}
		ga, _ := pa(mt, 0)
		return func(_ *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			f(a)
			return nil, nil
		}
	}
}

func bindV1[A, R any](pa param[A], res result[R]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A) R)
		if !ok {
			return nil
		}
		ga, _ := pa(mt, 0)
		return func(sc *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			return res(sc, f(a))
		}
	}
}

func bindE1[A, R any](pa param[A], res result[R]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A) (R, error))
		if !ok {
			return nil
		}
		ga, _ := pa(mt, 0)
		return func(sc *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			r, err := f(a)
			if err != nil {
				return nil, err
			}
			return res(sc, r)
		}
	}
}

// getters2 makes the getters of two parameters.
func getters2[A, B any](mt *method, pa param[A], pb param[B]) (getter[A], getter[B]) {
	i := 0
	ga, s := pa(mt, i)
	if s {
		i++
	}
	gb, _ := pb(mt, i)
	return ga, gb
}

func bindN2[A, B any](pa param[A], pb param[B]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A, B))
		if !ok {
			return nil
		}
		ga, gb := getters2(mt, pa, pb)
		return func(_ *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			b, err := gb(ctx, args)
			if err != nil {
				return nil, err
			}
			f(a, b)
			return nil, nil
		}
	}
}

func bindV2[A, B, R any](pa param[A], pb param[B], res result[R]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A, B) R)
		if !ok {
			return nil
		}
		ga, gb := getters2(mt, pa, pb)
		return func(sc *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			b, err := gb(ctx, args)
			if err != nil {
				return nil, err
			}
			return res(sc, f(a, b))
		}
	}
}

func bindE2[A, B, R any](pa param[A], pb param[B], res result[R]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A, B) (R, error))
		if !ok {
			return nil
		}
		ga, gb := getters2(mt, pa, pb)
		return func(sc *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			b, err := gb(ctx, args)
			if err != nil {
				return nil, err
			}
			r, err := f(a, b)
			if err != nil {
				return nil, err
			}
			return res(sc, r)
		}
	}
}

// getters3 makes the getters of three parameters.
func getters3[A, B, C any](mt *method, pa param[A], pb param[B], pc param[C]) (getter[A], getter[B], getter[C]) {
	i := 0
	ga, s := pa(mt, i)
	if s {
		i++
	}
	gb, s := pb(mt, i)
	if s {
		i++
	}
	gc, _ := pc(mt, i)
	return ga, gb, gc
}

func bindV3[A, B, C, R any](pa param[A], pb param[B], pc param[C], res result[R]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A, B, C) R)
		if !ok {
			return nil
		}
		ga, gb, gc := getters3(mt, pa, pb, pc)
		return func(sc *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			b, err := gb(ctx, args)
			if err != nil {
				return nil, err
			}
			c, err := gc(ctx, args)
			if err != nil {
				return nil, err
			}
			return res(sc, f(a, b, c))
		}
	}
}

func bindE3[A, B, C, R any](pa param[A], pb param[B], pc param[C], res result[R]) fastBind {
	return func(fn any, mt *method) fastFn {
		f, ok := fn.(func(A, B, C) (R, error))
		if !ok {
			return nil
		}
		ga, gb, gc := getters3(mt, pa, pb, pc)
		return func(sc *serverConn, ctx context.Context, args []any) (any, error) {
			a, err := ga(ctx, args)
			if err != nil {
				return nil, err
			}
			b, err := gb(ctx, args)
			if err != nil {
				return nil, err
			}
			c, err := gc(ctx, args)
			if err != nil {
				return nil, err
			}
			r, err := f(a, b, c)
			if err != nil {
				return nil, err
			}
			return res(sc, r)
		}
	}
}

// fastTable maps the func type of a method value to its binder.
var fastTable = map[reflect.Type]fastBind{}

func addFast[F any](b fastBind) { fastTable[reflect.TypeFor[F]()] = b }

var (
	pInt    = valueParam(convInt)
	pInt64  = valueParam(convInt64)
	pFloat  = valueParam(convFloat)
	pString = valueParam(convString)
	pBool   = valueParam(convBool)
	pAny    = valueParam(convAny)
	pCtx    = param[context.Context](ctxParam)
)

// The table: common signatures only, as every entry adds code and type
// data to each program (about 4.5 kB). Parameters and results are int,
// int64, float64, string, bool and any.
func init() {
	// No parameter: no result, an error, or a result alone or with an
	// error.
	addFast[func()](bindN0())
	addFast[func() error](bindV0(resError))
	results0(resInt)
	results0(resInt64)
	results0(resFloat)
	results0(resString)
	results0(resBool)
	results0(resAny)

	// One parameter: no result, an error, a result of the parameter's
	// type or any, alone or with an error.
	one(pInt, resInt)
	one(pInt64, resInt64)
	one(pFloat, resFloat)
	one(pString, resString)
	one(pBool, resBool)
	one(pAny, resAny)

	// Two parameters of one type, or a string and an int or any: no
	// result, an error, or a result (of the parameters' type, a string
	// or any), alone or with an error.
	two(pInt, pInt, resInt)
	two(pInt64, pInt64, resInt64)
	two(pFloat, pFloat, resFloat)
	two(pString, pString, resString)
	two(pAny, pAny, resAny)
	two(pString, pInt, resString)
	two(pString, pAny, resAny)

	// A context, then up to two parameters: an error, or a result with
	// an error.
	addFast[func(context.Context) error](bindV1(pCtx, resError))
	addFast[func(context.Context) (int, error)](bindE1(pCtx, resInt))
	addFast[func(context.Context) (string, error)](bindE1(pCtx, resString))
	addFast[func(context.Context) (bool, error)](bindE1(pCtx, resBool))
	addFast[func(context.Context) (any, error)](bindE1(pCtx, resAny))
	withCtx1(pInt, resInt)
	withCtx1(pInt64, resInt64)
	withCtx1(pString, resString)
	withCtx1(pAny, resAny)
	withCtx2(pInt, pInt, resInt)
	withCtx2(pString, pString, resString)
	withCtx2(pString, pAny, resAny)
	withCtx2(pAny, pAny, resAny)
}

func results0[R any](res result[R]) {
	addFast[func() R](bindV0(res))
	addFast[func() (R, error)](bindE0(res))
}

func one[A any](pa param[A], res result[A]) {
	addFast[func(A)](bindN1(pa))
	addFast[func(A) error](bindV1(pa, resError))
	addFast[func(A) A](bindV1(pa, res))
	addFast[func(A) (A, error)](bindE1(pa, res))
	addFast[func(A) any](bindV1(pa, resAny))
	addFast[func(A) (any, error)](bindE1(pa, resAny))
}

func two[A, B, R any](pa param[A], pb param[B], res result[R]) {
	addFast[func(A, B)](bindN2(pa, pb))
	addFast[func(A, B) error](bindV2(pa, pb, resError))
	addFast[func(A, B) R](bindV2(pa, pb, res))
	addFast[func(A, B) (R, error)](bindE2(pa, pb, res))
}

func withCtx1[A any](pa param[A], res result[A]) {
	addFast[func(context.Context, A) error](bindV2(pCtx, pa, resError))
	addFast[func(context.Context, A) (A, error)](bindE2(pCtx, pa, res))
}

func withCtx2[A, B, R any](pa param[A], pb param[B], res result[R]) {
	addFast[func(context.Context, A, B) error](bindV3(pCtx, pa, pb, resError))
	addFast[func(context.Context, A, B) (R, error)](bindE3(pCtx, pa, pb, res))
}
