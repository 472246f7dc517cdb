package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

// daemonFlags adds the listening flags shared by server commands and
// returns the config they fill in; defaults come from the environment.
func daemonFlags(fs *flag.FlagSet) (*secure.DaemonConfig, error) {
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		return nil, err
	}
	fs.StringVar(&cfg.Host, "host", cfg.Host, "host to listen on (FLINT_HOST)")
	fs.IntVar(&cfg.Port, "port", cfg.Port, "port to listen on, 0 for any (FLINT_PORT)")
	fs.StringVar(&cfg.Unix, "unixsocket", cfg.Unix, "listen on this Unix socket instead (@name: abstract)")
	fs.StringVar(&cfg.NATHost, "nathost", cfg.NATHost, "host to advertise in URIs")
	fs.IntVar(&cfg.NATPort, "natport", cfg.NATPort, "port to advertise in URIs")
	return &cfg, nil
}

func init() {
	register("check-config", "print the effective configuration and policy (never secrets)", runCheckConfig)
}

func runCheckConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flint check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := secure.DaemonConfigFromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "flint check-config:", err)
		return 1
	}
	p := cfg.Policy
	lim := p.EffectiveLimits()
	w := func(k string, v any) { fmt.Fprintf(stdout, "%-28s %v\n", k, v) }
	fmt.Fprintf(stdout, "flint %s effective configuration\n\n", Version)
	w("host (FLINT_HOST)", orDefault(cfg.Host, "localhost"))
	w("port (FLINT_PORT)", strconv.Itoa(cfg.Port)+map[bool]string{true: " (any free port)", false: ""}[cfg.Port == 0])
	w("serializer (FLINT_SERIALIZER)", orDefault(os.Getenv("FLINT_SERIALIZER"), "serpent"))
	sers := p.Serializers
	if sers == nil {
		sers = policy.DefaultSerializers
	}
	w("serializers accepted", strings.Join(sers, ","))
	tlsDesc := "off"
	if p.TLS.Cert != "" {
		tlsDesc = fmt.Sprintf("2-way TLS cert=%s key=%s ca=%s", p.TLS.Cert, p.TLS.Key, p.TLS.CA)
	}
	w("tls", tlsDesc)
	w("insecure plaintext", p.AllowInsecurePlaintext)
	key := "not set"
	if !p.HMACKey.IsZero() {
		key = "set (value not shown)"
	}
	w("hmac key", key)
	w("hmac mode", p.EffectiveHMACMode())
	w("unix uids allowed", p.UnixUIDs)
	w("unix gids allowed", p.UnixGIDs)
	w("authorization rules", len(p.Rules))
	w("expose tracebacks", p.ExposeTracebacks)
	w("max message size", lim.MaxMessageSize)
	w("max decompressed size", lim.MaxDecompressedSize)
	w("max depth / items", fmt.Sprintf("%d / %d", lim.MaxDepth, lim.MaxItems))
	w("handshake timeout", lim.HandshakeTimeout)
	w("idle timeout", lim.IdleTimeout)
	w("write timeout", lim.WriteTimeout)
	w("max conns / per peer", fmt.Sprintf("%d / %d", lim.MaxConns, lim.MaxConnsPerPeer))
	w("max calls per conn", lim.MaxCallsPerConn)
	w("max streams per conn", lim.MaxStreamsPerConn)
	w("stream lifetime", lim.StreamLifetime)
	w("max oneway per conn/total", fmt.Sprintf("%d / %d", lim.MaxOnewayPerConn, lim.MaxOnewayTotal))
	if err := p.Validate(true, "tcp"); err != nil {
		fmt.Fprintf(stdout, "\nA daemon with this configuration would not start on TCP:\n  %v\n", err)
		return 1
	}
	return 0
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
