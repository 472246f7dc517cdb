package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/hashicorp/go-hclog"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/naming/storage"
	"github.com/flintrpc/flint/secure"
)

// EnvNSRules holds the name server's rules (see naming.ParseRules).
const EnvNSRules = "FLINT_NS_RULES"

func init() {
	register("ns", "run a name server (like pyro4-ns)", runNS)
}

// stringFlag and friends register one variable under a short and a long
// name, as pyro4-ns's -n/--host. Go's flag package accepts both -name and
// --name for each.
func stringFlag(fs *flag.FlagSet, p *string, short, long, value, usage string) {
	fs.StringVar(p, long, value, usage)
	if short != "" {
		fs.StringVar(p, short, value, "same as --"+long)
	}
}

func intFlag(fs *flag.FlagSet, p *int, short, long string, value int, usage string) {
	fs.IntVar(p, long, value, usage)
	if short != "" {
		fs.IntVar(p, short, value, "same as --"+long)
	}
}

func boolFlag(fs *flag.FlagSet, p *bool, short, long, usage string) {
	fs.BoolVar(p, long, false, usage)
	if short != "" {
		fs.BoolVar(p, short, false, "same as --"+long)
	}
}

// refuseKeyFlag registers -k/--key only to refuse it: a key on the command
// line leaks through ps and shell history.
func refuseKeyFlag(fs *flag.FlagSet) *string {
	var key string
	stringFlag(fs, &key, "k", "key", "", "not supported: set FLINT_HMAC_KEY or FLINT_HMAC_KEY_FILE instead")
	return &key
}

// printFlags lists the flags of fs as "-n, --host string", folding the
// short aliases registered by stringFlag and friends into their long form.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	short := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if long, ok := strings.CutPrefix(f.Usage, "same as --"); ok {
			short[long] = f.Name
		}
	})
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, "same as --") {
			return
		}
		name := "--" + f.Name
		if s, ok := short[f.Name]; ok {
			name = "-" + s + ", " + name
		}
		typ, usage := flag.UnquoteUsage(f)
		if typ != "" {
			name += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  %-24s %s\n", name, usage)
	})
}

const keyRefused = "the HMAC key is never taken from the command line (it would show in ps and shell history); " +
	"set FLINT_HMAC_KEY or FLINT_HMAC_KEY_FILE"

func runNS(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flint ns", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fail := func(err error) int {
		fmt.Fprintln(stderr, "flint ns:", err)
		return 1
	}
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return fail(err)
	}
	host := cfg.Host
	if host == "" {
		host = "localhost"
	}
	port := naming.DefaultPort
	if s := os.Getenv(naming.EnvNSPort); s != "" {
		if port, err = strconv.Atoi(s); err != nil {
			return fail(fmt.Errorf("%s=%q is not a port", naming.EnvNSPort, s))
		}
	}
	var unix, store, bchost, nathost, rulesText string
	var bcport, natport, maxNames int
	var nobc bool
	stringFlag(fs, &host, "n", "host", host, "hostname to bind the server on (FLINT_HOST)")
	intFlag(fs, &port, "p", "port", port, "port to bind the server on, 0 for any (FLINT_NS_PORT)")
	stringFlag(fs, &unix, "u", "unixsocket", "", "Unix domain socket name to bind the server on (@name: abstract)")
	stringFlag(fs, &store, "s", "storage", "memory", "storage: memory or bolt:FILE (Pyro4's dbm: and sql: are not available)")
	stringFlag(fs, &bchost, "", "bchost", "", "host to bind the broadcast server on (default: all interfaces)")
	intFlag(fs, &bcport, "", "bcport", naming.DefaultBroadcastPort, "port to bind the broadcast server on, 0 for any")
	stringFlag(fs, &nathost, "", "nathost", "", "external hostname in case of NAT")
	intFlag(fs, &natport, "", "natport", 0, "external port in case of NAT")
	boolFlag(fs, &nobc, "x", "nobc", "don't start a broadcast server")
	intFlag(fs, &maxNames, "", "max-names", 100_000, "refuse new names beyond this many registrations")
	rulesText = os.Getenv(EnvNSRules)
	stringFlag(fs, &rulesText, "", "rules", rulesText, "who may change which names: rules separated by ';', or @FILE ("+EnvNSRules+")")
	key := refuseKeyFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flint ns [flags]\n\nRuns a name server compatible with Pyro4's pyro4-ns. Security comes from the\n"+
			"FLINT_* environment (FLINT_TLS_CERT/KEY/CA for 2-way TLS, FLINT_INSECURE=1 for\nplaintext, FLINT_HMAC_KEY[_FILE]); see flint check-config.\n\nflags:")
		printFlags(stderr, fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flint ns: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *key != "" {
		return fail(errors.New(keyRefused))
	}
	if port < 0 || port > 65535 || natport < 0 || natport > 65535 || bcport < 0 || bcport > 65535 {
		fmt.Fprintln(stderr, "flint ns: ports must be in 0..65535")
		return 2
	}
	if maxNames < 1 {
		fmt.Fprintln(stderr, "flint ns: --max-names must be at least 1")
		return 2
	}
	rules, err := parseRulesArg(rulesText)
	if err != nil {
		return fail(err)
	}
	st, err := storage.Open(store)
	if err != nil {
		return fail(err)
	}
	cfg.Host, cfg.Port, cfg.Unix, cfg.NATHost, cfg.NATPort = host, port, unix, nathost, natport
	logger := hclog.New(&hclog.LoggerOptions{Name: "flint-ns", Output: stderr, Level: hclog.Info})
	cfg.Logger = logger

	// Broadcast, like pyro4-ns: not for Unix sockets, IPv6 or a loopback
	// bind, unless a broadcast host was given explicitly.
	var bc *naming.BroadcastConfig
	var bcNote string
	if !nobc {
		ip := net.ParseIP(host)
		if ip == nil && host == "localhost" {
			ip = net.IPv4(127, 0, 0, 1)
		}
		switch {
		case unix != "":
		case ip != nil && ip.To4() == nil:
			bcNote = "Not starting broadcast server for IPv6."
		case ip != nil && ip.IsLoopback() && bchost == "":
			bcNote = "Not starting broadcast server for localhost."
		default:
			bc = &naming.BroadcastConfig{Addr: net.JoinHostPort(bchost, strconv.Itoa(bcport)), Logger: logger}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := naming.NewServer(ctx, naming.ServerConfig{
		Daemon:     cfg,
		NameServer: naming.Config{Storage: st, Rules: rules, Logger: logger, Limits: naming.Limits{MaxEntries: maxNames}},
		Broadcast:  bc,
	})
	if err != nil {
		return fail(err)
	}
	if bcNote != "" {
		fmt.Fprintln(stdout, bcNote)
	}
	if b := srv.Broadcast(); b != nil {
		fmt.Fprintf(stdout, "Broadcast server running on %s\n", b.Addr())
	}
	if n, err := st.Count(ctx); err == nil && n > 1 {
		fmt.Fprintf(stdout, "Persistent store contains %d existing registrations.\n", n)
	}
	internal := srv.InternalURI()
	if unix != "" {
		fmt.Fprintf(stdout, "NS running on %s (Unix domain socket)\n", internal.Location())
	} else {
		fmt.Fprintf(stdout, "NS running on %s (%s)\n", net.JoinHostPort(host, strconv.Itoa(internal.Port)), internal.Host)
	}
	fmt.Fprintln(stdout, securitySummary(cfg, len(rules)))
	if nathost != "" {
		fmt.Fprintf(stdout, "internal URI = %s\nexternal URI = %s\n", internal, srv.URI())
	} else {
		fmt.Fprintf(stdout, "URI = %s\n", srv.URI())
	}
	if err := srv.Serve(ctx); err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, "NS shut down.")
	return 0
}

// parseRulesArg parses rules text, or the file named by "@FILE".
func parseRulesArg(s string) (naming.Rules, error) {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading rules: %w", err)
		}
		s = string(b)
	}
	return naming.ParseRules(s)
}

// securitySummary says in one line how connections are secured; it never
// shows secrets.
func securitySummary(cfg secure.DaemonConfig, rules int) string {
	p := cfg.Policy
	var parts []string
	switch {
	case p.TLS.Cert != "" || p.ServerTLS != nil:
		parts = append(parts, "2-way TLS (clients need a certificate from the configured CA)")
	case p.AllowInsecurePlaintext:
		parts = append(parts, "Warning: plaintext allowed (FLINT_INSECURE); traffic is neither encrypted nor authenticated")
	}
	if len(p.UnixUIDs) > 0 || len(p.UnixGIDs) > 0 {
		parts = append(parts, "Unix peers by uid/gid")
	}
	if !p.HMACKey.IsZero() {
		parts = append(parts, "HMAC key set ("+p.EffectiveHMACMode().String()+")")
	}
	if rules > 0 {
		parts = append(parts, fmt.Sprintf("%d name rules", rules))
	} else {
		parts = append(parts, "no name rules: every admitted client may change every name but Pyro.NameServer")
	}
	return "Security: " + strings.Join(parts, "; ")
}
