package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/flintrpc/flint/internal/methodgen"
)

func init() {
	register("gen", "write a type's FlintMethods, so the daemon calls it without reflection", runGen)
}

// genJob is one run of flint gen: what to generate and where to write it.
type genJob struct {
	cfg methodgen.Config
	out string
}

// errFlagsReported is parseGen's error when the flag package has already
// told the user what is wrong.
var errFlagsReported = errors.New("bad flags")

// parseGen parses the arguments of flint gen.
func parseGen(args []string, stderr io.Writer) (genJob, error) {
	fs := flag.NewFlagSet("flint gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typ := fs.String("type", "", "the type to write FlintMethods for (required)")
	methods := fs.String("methods", "", "comma-separated Go method names to include (default: every exported method of the type)")
	out := fs.String("o", "", "output file (default: DIR/<lowercased type>_flint.go)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flint gen -type T [-methods A,B] [-o file] [dir]")
		fmt.Fprintln(stderr, "\nWrites FlintMethods for type T of the package in dir (default .), so that")
		fmt.Fprintln(stderr, "secure.Daemon calls T's methods without reflection. Meant for")
		fmt.Fprintln(stderr, "\t//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type T")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return genJob{}, err
		}
		return genJob{}, errFlagsReported
	}
	if *typ == "" {
		fs.Usage()
		return genJob{}, errors.New("-type is required")
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return genJob{}, errors.New("at most one directory")
	}
	j := genJob{cfg: methodgen.Config{Dir: ".", Type: *typ}, out: *out}
	if fs.NArg() == 1 {
		j.cfg.Dir = fs.Arg(0)
	}
	if *methods != "" {
		for m := range strings.SplitSeq(*methods, ",") {
			if m = strings.TrimSpace(m); m != "" {
				j.cfg.Methods = append(j.cfg.Methods, m)
			}
		}
		if len(j.cfg.Methods) == 0 {
			return genJob{}, errors.New("-methods names no method")
		}
	}
	if j.out == "" {
		j.out = filepath.Join(j.cfg.Dir, methodgen.OutputName(*typ))
	}
	return j, nil
}

// runGen is flint gen.
func runGen(args []string, _, stderr io.Writer) int {
	j, err := parseGen(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errFlagsReported):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "flint gen:", err)
		return 2
	}
	src, err := methodgen.Generate(j.cfg)
	if err != nil {
		fmt.Fprintln(stderr, "flint gen:", err)
		return 1
	}
	if err := os.WriteFile(j.out, src, 0o644); err != nil {
		fmt.Fprintln(stderr, "flint gen:", err)
		return 1
	}
	return 0
}
