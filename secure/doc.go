// Package secure is flint's public API: publish Go objects with a [Daemon],
// call them with a [Proxy], over Pyro4 protocol 48, so that Python Pyro4
// 4.82 clients, daemons and name servers interoperate with Go ones.
//
// # Publishing an object
//
// The exposure contract is explicit: an interface type, or a list of method
// names. Methods are published under Pyro-style snake_case names
// (GetFortune as get_fortune) and the method table is built by reflection
// once, at registration.
//
//	type Greeter interface{ GetFortune(name string) string }
//
//	d, err := secure.NewDaemon(secure.DaemonConfig{Policy: pol})
//	uri, err := d.Register(&GreetingMaker{}, secure.ExposeInterface[Greeter]())
//	err = d.Serve(ctx)
//
// A method may take a [context.Context] first (it carries the [CallInfo]:
// the caller's proven identity, correlation id, annotations and session
// data), may be variadic (Python *args) or take [Kwargs] last (**kwargs),
// and returns nothing, an error, a value, or a value and an error. A
// returned [*RemoteError] chooses the Python exception class a Python
// caller sees; a panic becomes a RuntimeError for that call only. The
// context of a two-way call is cancelled when its client disconnects (no
// one can receive the reply); that of a oneway call is not, since its
// client never waits. Closing the daemon cancels both.
//
// Calls to methods of the common small signatures skip reflection entirely
// when the object implements [DirectMethods], which `flint gen -type T`
// (cmd/flint) writes from the type's source, for a //go:generate line.
//
// # Calling it
//
//	p, err := secure.NewProxy(uri, secure.ProxyConfig{Policy: pol})
//	fortune, err := secure.Call[string](ctx, p, "get_fortune", "Alice")
//
// A Proxy is safe for concurrent use. Against a flint daemon concurrent
// calls are pipelined on one connection; against a Pyro4 daemon they take
// turns. A caller reads its own reply when no other call is reading the
// connection, so an idle Proxy holds its connection but no goroutine; before
// a call on a connection idle for a millisecond or more, the proxy checks
// (without blocking) that the daemon has not closed it. Proxies also offer oneway calls ([Proxy.Oneway], or methods the
// daemon marked oneway), batches ([Proxy.Batch]), futures ([Proxy.Go]),
// remote iterators ([Stream]), remote attributes ([Proxy.GetAttr]) and
// reconnection after a broken connection (never re-sending a call that may
// have run, unless the method is idempotent).
//
// # Security
//
// Every connection passes the gate of package policy before a frame
// reaches an object: by default 2-way TLS, or allowed Unix peer
// credentials; plaintext only with policy.Policy.AllowInsecurePlaintext
// (FLINT_INSECURE=1). See SECURITY.md.
//
// # Errors
//
// Pyro4's error classes are [Kind]s testable with errors.Is
// (ErrCommunication, ErrConnectionClosed, ErrTimeout, ErrProtocol,
// ErrNaming, ErrSecurity, ErrSerialize, ErrDaemon, ...); exceptions raised
// by the remote side are [*RemoteError]s with class, args and traceback.
package secure
