// Package naming is flint's name server, a drop-in for Pyro4 4.82's: the
// same object (Pyro.NameServer), methods, arguments, results and errors,
// so Pyro4 programs, pyro4-nsc and Pyrolite use it unchanged; plus the
// client side (Locate, Client, Resolver) that works against either.
//
// # Serving
//
//	srv, err := naming.NewServer(ctx, naming.ServerConfig{
//		Daemon:     secure.DaemonConfig{Host: "0.0.0.0", Port: naming.DefaultPort, Policy: pol},
//		NameServer: naming.Config{Storage: store, Rules: rules},
//		Broadcast:  &naming.BroadcastConfig{}, // optional UDP discovery responder
//	})
//	...
//	err = srv.Serve(ctx)
//
// The storage ([storage.Memory] by default, or a [storage.Bolt] file) sits
// behind the [storage.Storage] interface. [Rules] decide, by the peer
// identity the connection gate established (certificate CN, DNS name,
// SPIFFE ID, fingerprint, Unix uid/gid), who may look up, register,
// overwrite, remove or re-tag which names; without rules every admitted
// peer may do everything, as in Pyro4, except touch the name server's own
// entry.
//
// # Using a name server
//
//	p, err := naming.Locate(ctx, naming.LocateOptions{Host: "ns.example", Policy: pol})
//	ns := naming.NewClient(p)
//	defer ns.Close()
//	err = ns.Register(ctx, "example.greeting", uri, naming.RegisterOptions{Metadata: []string{"greeting"}})
//
//	cfg := secure.ProxyConfig{Policy: pol, Resolver: naming.NewResolver(opts)}
//	greeter, err := secure.NewProxy("PYRONAME:example.greeting", cfg)
//
// # Security
//
// A name server gives no trust by itself. What it returns is only as
// trustworthy as the connection it came over and the rules that decided
// who could write it:
//
//   - Locate returns a name server only after the connection gate
//     (package policy) admitted it; under 2-way TLS that means a
//     certificate from the configured CA, valid for the address.
//     Broadcast discovery is unauthenticated (anyone on the segment can
//     answer), so under a plaintext policy a discovered name server must
//     be treated as untrusted, and so must every URI it hands out.
//   - Without rules, any admitted peer can replace any name (except
//     Pyro.NameServer) and so redirect other clients. With TLS, give each
//     service its own certificate and a rule limiting it to its names.
//   - Client regexes run on Go's regexp (RE2): time linear in the input,
//     with the pattern length capped (Limits.MaxRegexLen). RE2 has no
//     lookaround or backreferences; such patterns raise NamingError.
//   - Sizes of names, URIs, tags and the number of entries are capped
//     (Limits).
//
// # Invariants
//
//   - Nobody, whatever the rules, can overwrite, remove or re-tag
//     Pyro.NameServer, the name server's own entry.
//   - Every refused request is answered with an exception (SecurityError
//     for rule denials) and written to the audit log with the peer's
//     identity.
//   - Conditional changes (safe register, overwrite checks, set_metadata)
//     are decided inside storage.Storage.Update, so concurrent clients
//     cannot race past a check.
//   - No input from a peer (arguments, regexes, broadcast datagrams) can
//     panic the server or make it work longer than linear time.
//   - The broadcast responder answers only the exact datagram GET_NSURI,
//     at a bounded rate.
//
// # Differences from Pyro4
//
// Metadata tags must be strings. Regular expressions use RE2 syntax.
// Entries are listed in name order. The name server's own entry is
// protected. Pyro4's dbm and sql storages are replaced by bolt:FILE.
// NS_AUTOCLEAN is not implemented.
package naming
