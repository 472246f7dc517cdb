// Package certscli implements the "flint certs" command line: init, issue
// and inspect, on top of package certs. cmd/flint dispatches to Main; the
// package holds no global state and never calls os.Exit, so it is tested
// in-process.
//
// Exit codes: 0 success (including explicit help), 1 operational error
// (files, keys, CA), 2 usage error (unknown command, bad or missing flags,
// invalid names).
package certscli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flintrpc/flint/certs"
)

// Exit codes returned by Main.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

const usage = `Usage: flint certs <command> [arguments]

Commands:
  init DIR [--host H]... [--client-name N] [--force]
      Create a development CA (ca.pem, ca-key.pem), a server certificate
      (server.pem, server-key.pem) for localhost, 127.0.0.1, ::1 and each
      --host, and a client certificate (client.pem, client-key.pem) in DIR.
  issue --ca-dir D --cn NAME [--dns N]... [--ip A]... [--uri U]...
        [--server] [--client] [--days N] --out-cert F --out-key F
      Sign a new certificate with the CA in D. Existing output files are
      replaced atomically, so running daemons pick up the new certificate.
  inspect FILE...
      Describe the certificates in PEM files.

Run "flint certs <command> -h" for the flags of a command.
`

// errUsage marks errors that should exit with ExitUsage.
var errUsage = errors.New("usage")

// Main runs one "flint certs" command. args excludes the program name and
// the word "certs": Main([]string{"init", "pki"}, os.Stdout, os.Stderr).
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	var run func([]string, io.Writer, io.Writer) error
	switch args[0] {
	case "init":
		run = runInit
	case "issue":
		run = runIssue
	case "inspect":
		run = runInspect
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "flint certs: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
	err := run(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, errUsage) || errors.Is(err, certs.ErrInvalidOptions):
		fmt.Fprintf(stderr, "flint certs %s: %v\nRun \"flint certs %s -h\" for usage.\n", args[0], err, args[0])
		return ExitUsage
	default:
		fmt.Fprintf(stderr, "flint certs %s: %v\n", args[0], err)
		return ExitError
	}
}

// newFlagSet returns a flag set that prints its usage to stdout on -h and
// stays silent otherwise (Main reports the error).
func newFlagSet(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: flint certs %s %s\n\nFlags:\n", name, synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags that may appear before, between or after positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// listFlag collects a repeatable flag; with split set, each value may also
// be a comma-separated list.
type listFlag struct {
	values []string
	split  bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(s string) error {
	if !l.split {
		l.values = append(l.values, s)
		return nil
	}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l.values = append(l.values, v)
		}
	}
	return nil
}

func runInit(args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("init", "DIR [--host H]... [--client-name N] [--force]", stdout)
	var hosts listFlag
	fs.Var(&hosts, "host", "extra server name: DNS name, IP address or URI (repeatable)")
	clientName := fs.String("client-name", certs.DefaultClientName, "common name of the client certificate")
	force := fs.Bool("force", false, "replace existing files (creates a new CA: every peer needs the new ca.pem)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want exactly one DIR, got %d arguments", errUsage, len(pos))
	}
	b, err := certs.Init(certs.InitOptions{Dir: pos[0], Hosts: hosts.values, ClientName: *clientName, Force: *force})
	if errors.Is(err, certs.ErrExists) {
		return fmt.Errorf("%w\n(use --force to replace them and create a new CA)", err)
	}
	if err != nil {
		return err
	}
	ca, err := first(b.CACert)
	if err != nil {
		return err
	}
	srv, err := first(b.ServerCert)
	if err != nil {
		return err
	}
	cli, err := first(b.ClientCert)
	if err != nil {
		return err
	}
	names := append(append([]string{}, srv.DNSNames...), ipStrings(srv.IPAddresses)...)
	names = append(names, srv.URIs...)

	fmt.Fprintf(stdout, "Created a development PKI in %s\n\n", b.Dir)
	fmt.Fprintf(stdout, "  %-16s CA certificate, valid until %s\n", certs.CACertFile, day(ca.NotAfter))
	fmt.Fprintf(stdout, "  %-16s SHA-256 %s\n", "", ca.Fingerprint)
	fmt.Fprintf(stdout, "  %-16s CA private key: keep it off machines that only run daemons\n", certs.CAKeyFile)
	fmt.Fprintf(stdout, "  %-16s server certificate for %s, valid until %s\n", certs.ServerCertFile, strings.Join(names, ", "), day(srv.NotAfter))
	fmt.Fprintf(stdout, "  %-16s server private key\n", certs.ServerKeyFile)
	fmt.Fprintf(stdout, "  %-16s client certificate %s, valid until %s\n", certs.ClientCertFile, cli.Subject, day(cli.NotAfter))
	fmt.Fprintf(stdout, "  %-16s client private key\n\n", certs.ClientKeyFile)
	fmt.Fprintf(stdout, "Daemons (the server certificate also works as a client):\n  %s\n", envLine(b.Server()))
	fmt.Fprintf(stdout, "Clients:\n  %s\n", envLine(b.Client()))
	fmt.Fprintf(stdout, "Certificates expire after %d days; renew them with \"flint certs issue --ca-dir %s ...\".\n",
		int(certs.DefaultLeafLifetime/(24*time.Hour)), shellQuote(b.Dir))
	return nil
}

func runIssue(args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("issue", "--ca-dir D --cn NAME [flags] --out-cert F --out-key F", stdout)
	caDir := fs.String("ca-dir", "", "directory holding ca.pem and ca-key.pem (required)")
	cn := fs.String("cn", "", "subject common name (required)")
	var dns, ips, uris listFlag
	dns.split, ips.split = true, true
	fs.Var(&dns, "dns", "DNS name (repeatable, or comma-separated)")
	fs.Var(&ips, "ip", "IP address (repeatable, or comma-separated)")
	fs.Var(&uris, "uri", "URI such as spiffe://example.org/svc (repeatable)")
	server := fs.Bool("server", false, "allow use as a TLS server certificate")
	client := fs.Bool("client", false, "allow use as a TLS client certificate")
	days := fs.Int("days", int(certs.DefaultLeafLifetime/(24*time.Hour)), "validity in days (capped at the CA's)")
	outCert := fs.String("out-cert", "", "certificate output file (required)")
	outKey := fs.String("out-key", "", "private key output file, written with mode 0600 (required)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	var missing []string
	for name, v := range map[string]string{"--ca-dir": *caDir, "--cn": *cn, "--out-cert": *outCert, "--out-key": *outKey} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	switch {
	case len(pos) != 0:
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, pos)
	case len(missing) != 0:
		return fmt.Errorf("%w: missing %s", errUsage, strings.Join(missing, ", "))
	case !*server && !*client:
		return fmt.Errorf("%w: give --server, --client or both", errUsage)
	case *days <= 0:
		return fmt.Errorf("%w: --days must be positive", errUsage)
	}
	opts := certs.IssueOptions{
		CADir: *caDir, OutCert: *outCert, OutKey: *outKey, CommonName: *cn,
		DNSNames: dns.values, URIs: uris.values, Server: *server, Client: *client,
		Lifetime: time.Duration(*days) * 24 * time.Hour,
	}
	for _, s := range ips.values {
		ip := net.ParseIP(s)
		if ip == nil {
			return fmt.Errorf("%w: invalid IP address %q", errUsage, s)
		}
		opts.IPs = append(opts.IPs, ip)
	}
	if err := certs.Issue(opts); err != nil {
		return err
	}
	info, err := first(*outCert)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote %s and %s\n\n%s", *outCert, *outKey, info)
	return nil
}

func runInspect(args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("inspect", "FILE...", stdout)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("%w: want at least one FILE", errUsage)
	}
	now := time.Now()
	for i, path := range pos {
		infos, err := certs.Inspect(path)
		if err != nil {
			return err
		}
		for j, info := range infos {
			if i+j > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "%s: certificate %d of %d\n%s%-15s %s\n",
				path, j+1, len(infos), info, "Status:", status(info, now))
		}
	}
	return nil
}

// status describes the validity of info at now.
func status(info certs.Info, now time.Time) string {
	switch {
	case now.Before(info.NotBefore):
		return "NOT YET VALID (starts in " + humanDuration(info.NotBefore.Sub(now)) + ")"
	case now.After(info.NotAfter):
		return "EXPIRED (" + humanDuration(now.Sub(info.NotAfter)) + " ago)"
	default:
		return "valid (expires in " + humanDuration(info.NotAfter.Sub(now)) + ")"
	}
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d >= 2*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	default:
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	}
}

func first(path string) (certs.Info, error) {
	infos, err := certs.Inspect(path)
	if err != nil {
		return certs.Info{}, err
	}
	return infos[0], nil
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func envLine(f certs.Files) string {
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	return fmt.Sprintf("%s=%s %s=%s %s=%s",
		certs.EnvCert, shellQuote(abs(f.Cert)), certs.EnvKey, shellQuote(abs(f.Key)), certs.EnvCA, shellQuote(abs(f.CA)))
}

// shellQuote returns s unchanged if it is safe in a POSIX shell, else
// single-quoted.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%,=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
