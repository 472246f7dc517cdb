// Command client calls the greeting example's object, like Pyro4's
// examples/greeting client:
//
//	client [URI] [NAME]
//
// It asks on stdin for whatever is not given. URI may be a PYRO: or a
// PYRONAME: URI.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	in := bufio.NewReader(os.Stdin)
	ask := func(prompt string) (string, error) {
		fmt.Print(prompt)
		s, err := in.ReadString('\n')
		if err != nil && s == "" {
			return "", fmt.Errorf("reading input: %w", err)
		}
		return strings.TrimSpace(s), nil
	}
	var uri, name string
	var err error
	if len(args) > 0 {
		uri = args[0]
	} else if uri, err = ask("Enter the uri of the greeting object: "); err != nil {
		return err
	}
	if len(args) > 1 {
		name = args[1]
	} else if name, err = ask("What is your name? "); err != nil {
		return err
	}
	cfg, err := secure.ProxyConfigFromEnv()
	if err != nil {
		return err
	}
	cfg.Resolver = naming.ResolverFromEnv()
	p, err := secure.NewProxy(uri, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fortune, err := secure.Call[string](ctx, p, "get_fortune", name)
	if err != nil {
		return err
	}
	fmt.Println(fortune)
	return nil
}
