package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"math"
	"os/signal"
	"syscall"
	"time"

	"github.com/flintrpc/flint/secure"
)

// echoServer mirrors Pyro4's test echo server (Pyro4.test.echoserver).
type echoServer struct {
	out      io.Writer
	shutdown func()
	allow    bool
	Verbose  bool
}

func (e *echoServer) Echo(message any) any {
	if e.Verbose {
		fmt.Fprintf(e.out, "%s - echo: %v\n", time.Now().Format(time.ANSIC), message)
	}
	return message
}

func (e *echoServer) Error() error {
	return secure.NewRemoteError("builtins.ValueError", "expected error from echoserver error() method")
}

func (e *echoServer) ErrorWithText() error {
	return secure.NewRemoteError("builtins.ValueError", "the message of the error")
}

func (e *echoServer) OnewayEcho(message any) {
	if e.Verbose {
		fmt.Fprintf(e.out, "%s - oneway_echo: %v\n", time.Now().Format(time.ANSIC), message)
	}
}

func (e *echoServer) Slow(ctx context.Context) (string, error) {
	select {
	case <-time.After(2 * time.Second):
		return "slow result", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (e *echoServer) Generator() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, s := range []string{"one", "two", "three"} {
			if !yield(s) {
				return
			}
		}
	}
}

func (e *echoServer) Nan() float64 { return math.NaN() }
func (e *echoServer) Inf() float64 { return math.Inf(1) }

func (e *echoServer) OnewaySlow() {
	time.Sleep(time.Second)
}

func (e *echoServer) Shutdown() error {
	if !e.allow {
		return secure.NewRemoteError("builtins.PermissionError", "shutdown is not allowed (start with --allow-shutdown)")
	}
	fmt.Fprintln(e.out, "shutting down")
	go e.shutdown()
	return nil
}

func init() {
	register("echoserver", "run a test echo server object (like pyro4-test-echoserver)", runEchoServer)
}

func runEchoServer(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flint echoserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := daemonFlags(fs)
	if err != nil {
		fmt.Fprintln(stderr, "flint echoserver:", err)
		return 1
	}
	allow := fs.Bool("allow-shutdown", false, "let remote callers stop the server with shutdown()")
	verbose := fs.Bool("v", false, "print each call")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, err := secure.NewDaemon(*cfg)
	if err != nil {
		fmt.Fprintln(stderr, "flint echoserver:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	echo := &echoServer{out: stdout, allow: *allow, Verbose: *verbose, shutdown: stop}
	uri, err := d.Register(echo, secure.WithID("test.echoserver"),
		secure.Expose("Echo", "Error", "ErrorWithText", "OnewayEcho", "Slow", "Generator", "Nan", "Inf", "OnewaySlow", "Shutdown"),
		secure.Oneway("oneway_echo", "oneway_slow"), secure.Attrs("verbose"))
	if err != nil {
		fmt.Fprintln(stderr, "flint echoserver:", err)
		return 1
	}
	fmt.Fprintf(stdout, "echoserver object: %s\necho uri: %s\n", "test.echoserver", uri)
	if err := d.Serve(ctx); err != nil && !errors.Is(err, secure.ErrClosed) {
		fmt.Fprintln(stderr, "flint echoserver:", err)
		return 1
	}
	fmt.Fprintln(stdout, "echoserver stopped")
	return 0
}
