package secure_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

type Greeter interface {
	GetFortune(name string) string
}

type GreetingMaker struct{}

func (GreetingMaker) GetFortune(name string) string {
	return "Hello, " + name + ". Here is your fortune message."
}

type Counter struct{}

func (Counter) Add(a, b int) int { return a + b }

func (Counter) Fail() error { return secure.NewRemoteError("builtins.ValueError", "bad input") }

// serve starts d until the returned function is called.
func serve(d *secure.Daemon) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Serve(ctx); close(done) }()
	return func() { cancel(); <-done }
}

// Plaintext keeps the examples short; real programs use the default
// policy with certificates (see package policy and `flint certs init`).
var plain = &policy.Policy{AllowInsecurePlaintext: true}

func Example() {
	d, err := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: plain})
	if err != nil {
		panic(err)
	}
	uri, err := d.Register(GreetingMaker{}, secure.ExposeInterface[Greeter](), secure.WithID("example.greeting"))
	if err != nil {
		panic(err)
	}
	stop := serve(d)
	defer stop()

	p, err := secure.NewProxy(uri, secure.ProxyConfig{Policy: plain})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	fortune, err := secure.Call[string](context.Background(), p, "get_fortune", "Alice")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(uri.String(), "PYRO:example.greeting@127.0.0.1:"))
	fmt.Println(fortune)
	// Output:
	// true
	// Hello, Alice. Here is your fortune message.
}

func ExampleProxy_Batch() {
	d, _ := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: plain})
	uri, _ := d.Register(Counter{}, secure.Expose("Add", "Fail"))
	defer serve(d)()
	p, _ := secure.NewProxy(uri, secure.ProxyConfig{Policy: plain})
	defer p.Close()

	res, err := p.Batch().Add("add", 1, 2).Add("add", 3, 4).Add("fail").Add("add", 5, 6).Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Values)
	var re *secure.RemoteError
	if errors.As(res.Err, &re) {
		fmt.Println(re.Class, re.Message())
	}
	// Output:
	// [3 7]
	// builtins.ValueError bad input
}

func ExampleProxy_Go() {
	d, _ := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: plain})
	uri, _ := d.Register(Counter{}, secure.Expose("Add"))
	defer serve(d)()
	p, _ := secure.NewProxy(uri, secure.ProxyConfig{Policy: plain})
	defer p.Close()

	ctx := context.Background()
	f := p.Go(ctx, "add", 20, 1).Then(func(v any) (any, error) { return v.(int64) * 2, nil })
	n, err := secure.Await[int](ctx, f)
	fmt.Println(n, err)
	// Output: 42 <nil>
}

type Numbers struct{}

func (Numbers) CountTo(n int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for i := 1; i <= n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func ExampleStream() {
	d, _ := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: plain})
	uri, _ := d.Register(Numbers{}, secure.Expose("CountTo"))
	defer serve(d)()
	p, _ := secure.NewProxy(uri, secure.ProxyConfig{Policy: plain})
	defer p.Close()

	for v, err := range secure.Stream[int](context.Background(), p, "count_to", 5) {
		if err != nil {
			panic(err)
		}
		fmt.Print(v, " ")
	}
	fmt.Println()
	// Output: 1 2 3 4 5
}

func ExampleParseURI() {
	for _, s := range []string{"PYRO:obj@localhost:9999", "PYRO:obj@[::1]:9999", "PYRO:obj@./u:/run/helper.sock", "PYRONAME:example.greeting", "pyrometa:tag1,tag2@ns.local"} {
		u, err := secure.ParseURI(s)
		fmt.Println(u, err)
	}
	_, err := secure.ParseURI("PYRO:obj@[::1]:5000junk")
	fmt.Println(errors.Is(err, secure.ErrInvalidURI))
	// Output:
	// PYRO:obj@localhost:9999 <nil>
	// PYRO:obj@[::1]:9999 <nil>
	// PYRO:obj@./u:/run/helper.sock <nil>
	// PYRONAME:example.greeting <nil>
	// PYROMETA:tag1,tag2@ns.local:9090 <nil>
	// true
}

// Calc hands the daemon its methods as Go method values.
type Calc struct{}

func (Calc) Add(a, b int) int { return a + b }

func (c Calc) FlintMethods() map[string]any { return map[string]any{"Add": c.Add} }

func ExampleDirectMethods() {
	d, _ := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: plain})
	uri, err := d.Register(Calc{}, secure.Expose("Add"))
	if err != nil {
		panic(err)
	}
	defer serve(d)()
	p, _ := secure.NewProxy(uri, secure.ProxyConfig{Policy: plain})
	defer p.Close()

	n, err := secure.Call[int](context.Background(), p, "add", 40, 2)
	fmt.Println(n, err)
	// Output: 42 <nil>
}
