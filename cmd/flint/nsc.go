package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flintrpc/flint/naming"
	"github.com/flintrpc/flint/secure"
)

func init() {
	register("nsc", "name server client (like pyro4-nsc)", runNSC)
}

// nscStdin is where removematching reads its confirmation.
var nscStdin io.Reader = os.Stdin

// nscCommands maps each command to its minimum and maximum number of
// arguments (-1: any).
var nscCommands = map[string][2]int{
	"register": {2, 2}, "remove": {1, 1}, "removematching": {1, 1}, "lookup": {1, 1},
	"list": {0, 1}, "listmatching": {1, 1}, "listmeta_all": {1, -1}, "listmeta_any": {1, -1},
	"setmeta": {1, -1}, "ping": {0, 0},
}

var nscArgHelp = map[string]string{
	"register": "requires two arguments: name uri", "remove": "requires one argument: name",
	"removematching": "requires one argument: pattern", "lookup": "requires one argument: name",
	"list": "takes at most one argument: prefix", "listmatching": "requires one argument: pattern",
	"listmeta_all": "requires at least one metadata tag argument", "listmeta_any": "requires at least one metadata tag argument",
	"setmeta": "requires at least 1 argument: name and zero or more meta tags", "ping": "takes no arguments",
}

func runNSC(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flint nsc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var host, unix string
	var port int
	var verbose, yes bool
	timeout := 30 * time.Second
	stringFlag(fs, &host, "n", "host", "", "hostname of the NS (FLINT_NS_HOST)")
	intFlag(fs, &port, "p", "port", 0, "port of the NS (or bc-port if host isn't specified)")
	stringFlag(fs, &unix, "u", "unixsocket", "", "Unix domain socket name of the NS")
	boolFlag(fs, &verbose, "v", "verbose", "verbose output")
	boolFlag(fs, &yes, "y", "yes", "don't ask before removematching")
	fs.DurationVar(&timeout, "timeout", timeout, "give up after this long")
	key := refuseKeyFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flint nsc [flags] command [arguments]\n"+
			"Commands: register remove removematching lookup list listmatching\n"+
			"          listmeta_all listmeta_any setmeta ping\n\n"+
			"Security comes from the FLINT_* environment, as for flint ns.\n\nflags:")
		printFlags(stderr, fs)
	}
	// Flags may come before or after the command, as with optparse;
	// everything after "--" is an argument.
	var pos, tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	pos = append(pos, tail...)
	if *key != "" {
		fmt.Fprintln(stderr, "flint nsc:", keyRefused)
		return 2
	}
	if len(pos) == 0 {
		fs.Usage()
		fmt.Fprintln(stderr, "flint nsc: error: invalid or missing command")
		return 2
	}
	cmd, cargs := pos[0], pos[1:]
	n, ok := nscCommands[cmd]
	if !ok {
		fs.Usage()
		fmt.Fprintf(stderr, "flint nsc: error: invalid or missing command %q\n", cmd)
		return 2
	}
	if len(cargs) < n[0] || n[1] >= 0 && len(cargs) > n[1] {
		fmt.Fprintf(stderr, "flint nsc: %s %s\n", cmd, nscArgHelp[cmd])
		return 2
	}

	opts, err := naming.LocateOptionsFromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "flint nsc:", err)
		return 1
	}
	switch {
	case unix != "":
		opts.Unix, opts.Host, opts.Broadcast = unix, "", false
	case host != "":
		opts.Unix, opts.Host, opts.Port, opts.Broadcast = "", host, port, false
	case port != 0:
		// As pyro4-nsc: without a host, the port is tried on localhost and
		// used as the broadcast port.
		opts.Port, opts.BroadcastPort = port, port
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if verbose {
		fmt.Fprintln(stdout, "Locating name server...")
	}
	p, err := naming.Locate(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "Error: Failed to locate the nameserver:", causeText(err))
		return 1
	}
	ns := naming.NewClient(p)
	defer ns.Close()
	if verbose {
		fmt.Fprintf(stdout, "Name server found: %s\n", p.URI())
	}
	if err := nscRun(ctx, ns, cmd, cargs, yes, stdout); err != nil {
		fmt.Fprintf(stderr, "Error: %s - %s\n", errorClass(err), errorMessage(err))
		return 1
	}
	if verbose {
		fmt.Fprintln(stdout, "Done.")
	}
	return 0
}

func nscRun(ctx context.Context, ns *naming.Client, cmd string, args []string, yes bool, out io.Writer) error {
	printList := func(res map[string]naming.Listing, title string) {
		fmt.Fprintf(out, "--------START LIST %s\n", title)
		names := make([]string, 0, len(res))
		for n := range res {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			fmt.Fprintf(out, "%s --> %s\n", n, res[n].URI)
			if len(res[n].Meta) > 0 {
				fmt.Fprintf(out, "    metadata: %s\n", pyList(res[n].Meta))
			}
		}
		fmt.Fprintf(out, "--------END LIST %s\n", title)
	}
	switch cmd {
	case "ping":
		if err := ns.Ping(ctx); err != nil {
			return err
		}
		fmt.Fprintln(out, "Name server ping ok.")
	case "list":
		f, title := naming.Filter{}, ""
		if len(args) == 1 {
			f.Prefix, title = args[0], fmt.Sprintf("- prefix '%s'", args[0])
		}
		res, err := ns.ListMeta(ctx, f)
		if err != nil {
			return err
		}
		printList(res, title)
	case "listmatching":
		res, err := ns.ListMeta(ctx, naming.Filter{Regex: args[0]})
		if err != nil {
			return err
		}
		printList(res, fmt.Sprintf("- regex '%s'", args[0]))
	case "listmeta_all", "listmeta_any":
		f := naming.Filter{MetadataAll: args}
		if cmd == "listmeta_any" {
			f = naming.Filter{MetadataAny: args}
		}
		res, err := ns.ListMeta(ctx, f)
		if err != nil {
			return err
		}
		printList(res, " - searched by metadata")
	case "lookup":
		u, meta, err := ns.LookupMeta(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(out, u)
		if len(meta) > 0 {
			fmt.Fprintf(out, "metadata: %s\n", pyList(meta))
		}
	case "register":
		u, err := secure.ParseURI(args[1])
		if err != nil {
			return err
		}
		if err := ns.Register(ctx, args[0], u, naming.RegisterOptions{Safe: true}); err != nil {
			return err
		}
		fmt.Fprintf(out, "Registered %s\n", args[0])
	case "remove":
		n, err := ns.Remove(ctx, args[0])
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(out, "Removed %s\n", args[0])
		} else {
			fmt.Fprintln(out, "Nothing removed")
		}
	case "removematching":
		if !yes {
			fmt.Fprint(out, "Potentially removing lots of items from the Name server. Are you sure (y/n)?")
			line, _ := bufio.NewReader(nscStdin).ReadString('\n')
			if s := strings.TrimSpace(line); s != "y" && s != "Y" {
				return nil
			}
		}
		n, err := ns.RemoveRegex(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d items removed.\n", n)
	case "setmeta":
		tags := slices.Compact(slices.Sorted(slices.Values(args[1:])))
		if err := ns.SetMetadata(ctx, args[0], tags); err != nil {
			return err
		}
		if len(tags) > 0 {
			fmt.Fprintln(out, "Metadata updated")
		} else {
			fmt.Fprintln(out, "Metadata cleared")
		}
	}
	return nil
}

// errorClass returns the short Python class name of an error, as
// pyro4-nsc prints type(x).__name__.
func errorClass(err error) string {
	var re *secure.RemoteError
	if errors.As(err, &re) {
		return re.Class[strings.LastIndexByte(re.Class, '.')+1:]
	}
	var fe *secure.Error
	if errors.As(err, &fe) {
		c := fe.Kind.Class()
		return c[strings.LastIndexByte(c, '.')+1:]
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "TimeoutError"
	}
	return "Error"
}

func errorMessage(err error) string {
	var re *secure.RemoteError
	if errors.As(err, &re) {
		return re.Message()
	}
	var fe *secure.Error
	if errors.As(err, &fe) {
		if fe.Cause != nil {
			return fe.Msg + ": " + fe.Cause.Error()
		}
		return fe.Msg
	}
	return err.Error()
}

// causeText is the reason Locate gave, without its "not found" prefix.
func causeText(err error) string {
	var fe *secure.Error
	if errors.As(err, &fe) && fe.Cause != nil {
		s := strings.ReplaceAll(fe.Cause.Error(), "\n", "; ")
		return strings.TrimPrefix(s, naming.ErrNotFound.Error()+"; ")
	}
	return err.Error()
}

// pyList formats strings as Python prints a list of str.
func pyList(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = pyRepr(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// pyRepr is Python 3's repr() of a str.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\udc` + strconv.FormatInt(int64(s[i-1]), 16)) // surrogateescape, as Python shows undecodable bytes
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r) && r != ' ':
			switch {
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
