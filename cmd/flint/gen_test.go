package main

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flintrpc/flint/internal/methodgen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the root of the flint module.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// TestGenFlags: usage errors, the default output file and a generator
// error.
func TestGenFlags(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, run([]string{"gen"}, &out, &errb), "-type is required")
	assert.Contains(t, errb.String(), "-type is required")
	errb.Reset()
	assert.Equal(t, 2, run([]string{"gen", "-nope"}, &out, &errb))
	assert.Contains(t, errb.String(), "flag provided but not defined")
	assert.Equal(t, 0, run([]string{"gen", "-h"}, &out, &errb))
	assert.Contains(t, errb.String(), "//go:generate go run github.com/flintrpc/flint/cmd/flint gen -type T")

	j, err := parseGen([]string{"-type", "benchObj", "-methods", "Ping, Echo,", "some/dir"}, &errb)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("some", "dir", "benchobj_flint.go"), j.out)
	assert.Equal(t, []string{"Ping", "Echo"}, j.cfg.Methods)
	assert.Equal(t, "some/dir", j.cfg.Dir)
	j, err = parseGen([]string{"-type", "T", "-o", "x.go"}, &errb)
	require.NoError(t, err)
	assert.Equal(t, "x.go", j.out)
	assert.Nil(t, j.cfg.Methods)
	assert.Equal(t, ".", j.cfg.Dir)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a\n\ntype T struct{}\n\nfunc (*T) Ping() {}\n"), 0o644))
	errb.Reset()
	assert.Equal(t, 1, run([]string{"gen", "-type", "T", "-methods", "Pong", dir}, &out, &errb))
	assert.Contains(t, errb.String(), "method not found")
	assert.NoFileExists(t, filepath.Join(dir, "t_flint.go"))
	assert.Equal(t, 0, run([]string{"gen", "-type", "T", dir}, &out, &errb))
	src, err := os.ReadFile(filepath.Join(dir, "t_flint.go"))
	require.NoError(t, err)
	assert.Contains(t, string(src), `"Ping": x.Ping,`)
}

// genDirective matches a //go:generate line running flint gen.
var genDirective = regexp.MustCompile(`^//go:generate go run github\.com/flintrpc/flint/cmd/flint gen (.*)$`)

// genDirectives returns the matches of genDirective among the comments of
// a Go file.
func genDirectives(t *testing.T, path string, src []byte) [][]string {
	if !bytes.Contains(src, []byte("//go:generate")) {
		return nil
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ParseComments)
	require.NoError(t, err)
	var ms [][]string
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if m := genDirective.FindStringSubmatch(c.Text); m != nil {
				ms = append(ms, m)
			}
		}
	}
	return ms
}

// TestGeneratedUpToDate: every //go:generate flint gen line of the
// repository names a committed file equal to what the generator writes
// now, and every file flint gen wrote has such a line.
func TestGeneratedUpToDate(t *testing.T) {
	root := repoRoot(t)
	covered := map[string]bool{}
	var generated []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(src, []byte(methodgen.Header+"\n")) {
			generated = append(generated, path)
		}
		for _, m := range genDirectives(t, path, src) {
			// go generate runs the command in the file's directory.
			j, err := parseGen(strings.Fields(m[1]), os.Stderr)
			require.NoError(t, err, path)
			dir := filepath.Dir(path)
			j.cfg.Dir = filepath.Join(dir, j.cfg.Dir)
			if !filepath.IsAbs(j.out) {
				j.out = filepath.Join(dir, j.out)
			}
			want, err := methodgen.Generate(j.cfg)
			require.NoError(t, err, path)
			have, err := os.ReadFile(j.out)
			require.NoError(t, err, "%s: the generated file is missing; run go generate", path)
			rel, _ := filepath.Rel(root, j.out)
			assert.Equal(t, string(want), string(have), "%s is out of date: run go generate ./...", rel)
			covered[j.out] = true
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, generated)
	for _, g := range generated {
		rel, _ := filepath.Rel(root, g)
		assert.True(t, covered[g], "%s has no //go:generate line", rel)
	}
}

// The package of the end-to-end test: Calc has value methods only and is
// registered by value, Counter mixes receivers and is registered by
// pointer, Plain has no FlintMethods. Each method counts the calls made by
// a function of a FlintMethods map: flint gen makes a value method's entry
// a closure, which a stack trace shows (reflection's trampoline and the
// wrapper of a method value are not shown).
const e2eSrc = `package calc

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
)

GO:GENERATE go run github.com/flintrpc/flint/cmd/flint gen -type Calc

// Calls counts the calls, Direct those made by a FlintMethods closure.
var Calls, Direct atomic.Int64

func note() {
	Calls.Add(1)
	pcs := make([]uintptr, 8)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	frames.Next() // the method
	if caller, _ := frames.Next(); strings.Contains(caller.Function, ".FlintMethods.func") {
		Direct.Add(1)
	}
}

type Calc struct{ Base int }

func (c Calc) Add(a, b int) int { note(); return c.Base + a + b }

func (Calc) Greet(ctx context.Context, name string) (string, error) { note(); return "hi " + name, nil }

type Counter struct{ n int64 }

func (c *Counter) Inc(d int64) int64 { c.n += d; return c.n }

func (c Counter) Get() int64 { note(); return c.n }

type Plain struct{}

func (Plain) Add(a, b int) int { note(); return a + b }
`

const e2eTest = `package calc

import (
	"context"
	"testing"

	"github.com/flintrpc/flint/policy"
	"github.com/flintrpc/flint/secure"
)

func TestDirect(t *testing.T) {
	plain := &policy.Policy{AllowInsecurePlaintext: true}
	d, err := secure.NewDaemon(secure.DaemonConfig{Host: "127.0.0.1", Policy: plain})
	if err != nil {
		t.Fatal(err)
	}
	calc, err := d.Register(Calc{Base: 100}, secure.Expose("Add", "Greet"))
	if err != nil {
		t.Fatal(err)
	}
	counter, err := d.Register(&Counter{}, secure.Expose("Inc", "Get"))
	if err != nil {
		t.Fatal(err)
	}
	plainURI, err := d.Register(Plain{}, secure.Expose("Add"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	proxy := func(u secure.URI) *secure.Proxy {
		p, err := secure.NewProxy(u, secure.ProxyConfig{Policy: plain, Serializer: "msgpack"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}

	pc := proxy(calc)
	if n, err := secure.Call[int](ctx, pc, "add", 1, 2); err != nil || n != 103 {
		t.Fatalf("add: %v %v", n, err)
	}
	if s, err := secure.Call[string](ctx, pc, "greet", "bob"); err != nil || s != "hi bob" {
		t.Fatalf("greet: %v %v", s, err)
	}
	res, err := pc.Batch().Add("add", 1, 1).Add("add", 2, 2).Run(ctx)
	if err != nil || res.Err != nil || len(res.Values) != 2 {
		t.Fatalf("batch: %v %+v", err, res)
	}
	pn := proxy(counter)
	if n, err := secure.Call[int64](ctx, pn, "get"); err != nil || n != 0 {
		t.Fatalf("get: %v %v", n, err)
	}
	for _, d := range []int64{2, 3} {
		if _, err := secure.Call[int64](ctx, pn, "inc", d); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := secure.Call[int64](ctx, pn, "get"); err != nil || n != 5 {
		t.Fatalf("get after inc(2), inc(3): %v %v; a value method must see the current state, not a copy made when it was bound", n, err)
	}
	if c, d := Calls.Load(), Direct.Load(); c != 6 || d != 6 {
		t.Fatalf("%d of %d calls came from FlintMethods, want 6 of 6", d, c)
	}

	// The detector tells reflection's calls apart.
	if n, err := secure.Call[int](ctx, proxy(plainURI), "add", 1, 2); err != nil || n != 3 {
		t.Fatalf("plain add: %v %v", n, err)
	}
	if c, d := Calls.Load(), Direct.Load(); c != 7 || d != 6 {
		t.Fatalf("%d of %d calls came from FlintMethods after a call to Plain, want 6 of 7", d, c)
	}
}
`

// TestGenEndToEnd writes a module that uses flint (through a replace
// directive), generates FlintMethods for two of its types, one with the
// module's own //go:generate line (go run of this command), and checks that
// the result passes go vet and that the daemon calls the methods without
// reflection, value receivers seeing the current state of the object.
func TestGenEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	root := repoRoot(t)
	dir := t.TempDir()
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readFile(t, filepath.Join(root, "go.mod")))
	require.NotNil(t, goVersion)
	files := map[string]string{
		"go.mod": "module example.com/gentest\n\ngo " + goVersion[1] + "\n\n" +
			"require github.com/flintrpc/flint v0.0.0\n\nreplace github.com/flintrpc/flint => " + root + "\n",
		"go.sum":       readFile(t, filepath.Join(root, "go.sum")),
		"calc.go":      strings.Replace(e2eSrc, "GO:GENERATE", "//go:generate", 1), // not a directive of this file
		"calc_test.go": e2eTest,
	}
	for n, src := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte(src), 0o644))
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	gocmd := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}

	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"gen", "-type", "Counter", dir}, &stdout, &stderr), stderr.String())
	gocmd("generate", "./...")
	calcFlint := readFile(t, filepath.Join(dir, "calc_flint.go"))
	assert.Contains(t, calcFlint, `"Add":   func(a int, b int) int { return x.Add(a, b) },`)
	assert.Contains(t, readFile(t, filepath.Join(dir, "counter_flint.go")), `"Inc": x.Inc,`)

	gocmd("vet", "./...")
	gocmd("test", "-count=1", "./...")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
