package naming_test

import (
	"context"
	"fmt"
	"time"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// A name server on loopback, a registration, and the two ways to find the
// object again: lookup by name, and resolution of PYROMETA (by tag), as a
// proxy's Resolver does on every connect.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Plaintext keeps the example short; use 2-way TLS (policy.Policy{TLS:
	// ...}) anywhere but loopback.
	pol := &policy.Policy{AllowInsecurePlaintext: true}
	srv, err := naming.NewServer(ctx, naming.ServerConfig{Daemon: secure.DaemonConfig{Host: "127.0.0.1", Policy: pol}})
	if err != nil {
		fmt.Println(err)
		return
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() { srv.Close(); <-served }()

	opts := naming.LocateOptions{Host: "127.0.0.1", Port: srv.URI().Port, Policy: pol}
	p, err := naming.Locate(ctx, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	ns := naming.NewClient(p)
	defer ns.Close()
	greeter := secure.MustParseURI("PYRO:greeter@127.0.0.1:5000")
	if err := ns.Register(ctx, "example.greeting", greeter, naming.RegisterOptions{Metadata: []string{"greeting"}}); err != nil {
		fmt.Println(err)
		return
	}
	u, err := ns.Lookup(ctx, "example.greeting")
	fmt.Println(u, err)
	u, err = naming.NewResolver(opts).Resolve(ctx, secure.MustParseURI("PYROMETA:greeting"))
	fmt.Println(u, err)
	n, err := ns.Count(ctx)
	fmt.Println(n, err)
	// Output:
	// PYRO:greeter@127.0.0.1:5000 <nil>
	// PYRO:greeter@127.0.0.1:5000 <nil>
	// 2 <nil>
}
