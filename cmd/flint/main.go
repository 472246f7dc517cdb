// Command flint is the command-line companion of the flint RPC toolkit.
//
//	flint version                 print the version
//	flint echoserver [flags]      run a test echo server (like pyro4-test-echoserver)
//	flint certs init|issue|inspect   bootstrap and inspect mTLS certificates
//	flint check-config            print the effective configuration and policy
//	flint ns [flags]              run a name server (like pyro4-ns)
//	flint nsc [flags] COMMAND     name server client (like pyro4-nsc)
//	flint bench [flags]           measure calls/s, connections/s and bulk MB/s
//	flint gen -type T [dir]       write T's FlintMethods (for //go:generate)
//
// Configuration comes from FLINT_* environment variables; see README.md.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// Version is the flint version.
const Version = "0.1.0"

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "flint: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: flint COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
}

func init() {
	register("version", "print the flint version", func(_ []string, stdout, _ io.Writer) int {
		fmt.Fprintf(stdout, "flint %s (Pyro4 protocol 48)\n", Version)
		return 0
	})
}
