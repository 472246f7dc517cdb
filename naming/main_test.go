package naming

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"github.com/flintrpc/flint/naming/storage"
	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// envHelper makes the test binary run a name server instead of the tests
// (see runHelper); the persistence test starts it as a child process so it
// can kill it with SIGKILL.
const envHelper = "FLINT_NAMING_TEST_HELPER"

// TestMain fails the run when a test leaves goroutines behind.
func TestMain(m *testing.M) {
	if spec := os.Getenv(envHelper); spec != "" {
		os.Exit(runHelper(spec))
	}
	goleak.VerifyTestMain(m)
}

// runHelper serves a plaintext name server on 127.0.0.1 with the storage
// spec until SIGTERM, printing "NS running on HOST:PORT" once ready.
func runHelper(spec string) int {
	st, err := storage.Open(spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	srv, err := NewServer(ctx, ServerConfig{
		Daemon:     secure.DaemonConfig{Host: "127.0.0.1", Policy: &policy.Policy{AllowInsecurePlaintext: true}},
		NameServer: Config{Storage: st},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Printf("NS running on %s\n", srv.URI().Location())
	if err := srv.Serve(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}
