package methodgen

import (
	"errors"
	"fmt"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writePkg writes files (name: source) to a new temporary directory.
func writePkg(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	return dir
}

// linux is a build context on which the files of a test select the same
// way wherever the test runs.
func linux() *build.Context {
	c := build.Default
	c.GOOS, c.GOARCH = "linux", "amd64"
	return &c
}

const calcSrc = `package calc

import (
	"context"
	tm "time"
)

type Calc struct {
	Embedded
	n int
}

type Embedded struct{}

func (Embedded) Promoted() int { return 0 }

func (c *Calc) Add(a, b int) int { return a + b }

func (c *Calc) Inc(ctx context.Context) (int, error) { c.n++; return c.n, nil }

func (c Calc) Get() int { return c.n }

func (Calc) Wait(_ context.Context, d tm.Duration, _ ...string) {}

func (c *Calc) unexported() {}

type Other struct{}

func (Other) Zap() {}
`

const calcWant = Header + `

package calc

import (
	"context"
	tm "time"
)

// FlintMethods implements secure.DirectMethods: it gives the daemon the
// methods of Calc as functions made by the compiler, which it calls without
// reflection.
func (x *Calc) FlintMethods() map[string]any {
	return map[string]any{
		"Add":  x.Add,
		"Get":  func() int { return x.Get() },
		"Inc":  x.Inc,
		"Wait": func(a0 context.Context, d tm.Duration, a2 ...string) { x.Wait(a0, d, a2...) },
	}
}
`

// TestGenerate: every exported method declared on T or *T, sorted, pointer
// methods as method values and value methods as closures with their
// signature's imports; nothing from test files, files the build context
// leaves out, other types or embedded fields.
func TestGenerate(t *testing.T) {
	dir := writePkg(t, map[string]string{
		"calc.go": calcSrc,
		"more_windows.go": `package calc

func (c *Calc) Windows() {}
`,
		"ignored.go": `//go:build ignore

package main

func (c *Calc) Ignored() {}
`,
		"calc_test.go": `package calc

func (c *Calc) TestOnly() {}
`,
		"calc_flint.go": Header + `

package calc

func (x *Calc) FlintMethods() map[string]any { return nil }
`,
		"README.md": "not Go",
	})
	got, err := Generate(Config{Dir: dir, Type: "Calc", Build: linux()})
	require.NoError(t, err)
	assert.Equal(t, calcWant, string(got))

	again, err := Generate(Config{Dir: dir, Type: "Calc", Build: linux()})
	require.NoError(t, err)
	assert.Equal(t, got, again, "deterministic")

	win := *linux()
	win.GOOS = "windows"
	got, err = Generate(Config{Dir: dir, Type: "Calc", Build: &win})
	require.NoError(t, err)
	assert.Contains(t, string(got), `"Windows": x.Windows,`, "the build context selects the files")
}

// TestGenerateMethods: an explicit list, in any order and with repeats,
// gives the same file with only those methods.
func TestGenerateMethods(t *testing.T) {
	dir := writePkg(t, map[string]string{"calc.go": calcSrc})
	a, err := Generate(Config{Dir: dir, Type: "Calc", Methods: []string{"Inc", "Add"}})
	require.NoError(t, err)
	b, err := Generate(Config{Dir: dir, Type: "Calc", Methods: []string{"Add", "Inc", "Add"}})
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
	assert.Contains(t, string(a), "\t\t\"Add\": x.Add,\n\t\t\"Inc\": x.Inc,\n\t}")
	assert.NotContains(t, string(a), "Get")
	assert.NotContains(t, string(a), "import", "no value method, no import")
}

// TestGenerateErrors: each failure has its sentinel error.
func TestGenerateErrors(t *testing.T) {
	dir := writePkg(t, map[string]string{
		"calc.go": calcSrc,
		"more.go": `package calc

type Box[T any] struct{ v T }

func (b *Box[T]) Get() T { return b.v }

type Quiet struct{}

func (Quiet) hush() {}

type Alias = Other

type Hand struct{}

func (Hand) Add() {}

func (h Hand) FlintMethods() map[string]any { return map[string]any{"Add": h.Add} }
`,
	})
	for _, c := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"unknown type", Config{Type: "Nope"}, ErrTypeNotFound},
		{"not an identifier", Config{Type: "a.B"}, ErrTypeNotFound},
		{"generic", Config{Type: "Box"}, ErrGenericType},
		{"only unexported methods", Config{Type: "Quiet"}, ErrNoMethods},
		{"unknown method", Config{Type: "Calc", Methods: []string{"Add", "Sub"}}, ErrMethodNotFound},
		{"promoted method", Config{Type: "Calc", Methods: []string{"Promoted"}}, ErrMethodNotFound},
		{"unexported method", Config{Type: "Calc", Methods: []string{"unexported"}}, ErrMethodNotFound},
		{"the hook", Config{Type: "Calc", Methods: []string{"FlintMethods"}}, ErrMethodNotFound},
		{"empty list", Config{Type: "Calc", Methods: []string{}}, ErrNoMethods},
		{"alias", Config{Type: "Alias"}, ErrUnsupported},
		{"hand-written FlintMethods", Config{Type: "Hand"}, ErrHasFlintMethods},
	} {
		c.cfg.Dir = dir
		out, err := Generate(c.cfg)
		assert.ErrorIs(t, err, c.want, c.name)
		assert.Nil(t, out, c.name)
	}
	_, err := Generate(Config{Dir: filepath.Join(dir, "missing"), Type: "Calc"})
	assert.ErrorIs(t, err, os.ErrNotExist)

	bad := writePkg(t, map[string]string{"bad.go": "package bad\n\nfunc (\n"})
	_, err = Generate(Config{Dir: bad, Type: "X"})
	assert.ErrorContains(t, err, "bad.go", "a parse error names its file")
}

// TestGenerateUnsupportedImports: the imports of a value method's
// signature must be identifiable.
func TestGenerateUnsupportedImports(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"dot import": {"a.go": `package p

import . "time"

type T struct{}

func (T) Wait(d Duration) {}
`},
		"one name, two packages": {"a.go": `package p

import r "math/rand"

type T struct{}

func (T) A(*r.Rand) {}
`, "b.go": `package p

import r "crypto/rand"

func (T) B(r.Reader) {}
`},
		"any redeclared": {"a.go": `package p

type any = int

type T struct{}

func (*T) A() {}
`},
	} {
		dir := writePkg(t, files)
		_, err := Generate(Config{Dir: dir, Type: "T"})
		assert.ErrorIs(t, err, ErrUnsupported, name)
	}

	// A dot import is fine for a pointer method, whose entry needs no
	// signature.
	dir := writePkg(t, map[string]string{"a.go": `package p

import . "time"

type T struct{}

func (*T) Wait(d Duration) {}
`})
	_, err := Generate(Config{Dir: dir, Type: "T"})
	assert.NoError(t, err)
}

// TestGenerateNames: the receiver and the closures' parameters shadow no
// name the generated code uses; imports keep their names; version suffixes
// are understood.
func TestGenerateNames(t *testing.T) {
	dir := writePkg(t, map[string]string{"a.go": `//go:build linux || darwin

package p

import (
	"context"
	yaml "gopkg.in/yaml.v3"
	"example.com/mod/v2"
)

type x int

type x_1 struct{}

type T struct{}

func (T) A(a0 x, _ x_1, x_2 string) x { return a0 }

func (T) B(n *yaml.Node, m mod.Thing, ctx context.Context) {}

func (*T) C(x int) {}
`})
	got, err := Generate(Config{Dir: dir, Type: "T", Build: linux()})
	require.NoError(t, err)
	src := string(got)
	assert.True(t, strings.HasPrefix(src, Header+"\n\n//go:build linux || darwin\n\npackage p\n"), "the type's build constraint is kept:\n%s", src)
	assert.Contains(t, src, "func (x_3 *T) FlintMethods()")
	assert.Contains(t, src, `"A": func(a0 x, a1 x_1, x_2 string) x { return x_3.A(a0, a1, x_2) },`)
	assert.Contains(t, src, `"C": x_3.C,`)
	assert.Contains(t, src, "\t\"context\"\n\t\"example.com/mod/v2\"\n\tyaml \"gopkg.in/yaml.v3\"\n")

	// The output is a Go file of the package.
	f, err := parser.ParseFile(token.NewFileSet(), "out.go", got, parser.ParseComments)
	require.NoError(t, err)
	assert.Equal(t, "p", f.Name.Name)
}

// TestOutputName is the default file name.
func TestOutputName(t *testing.T) {
	assert.Equal(t, "benchobj_flint.go", OutputName("benchObj"))
	assert.Equal(t, "calc_flint.go", OutputName("Calc"))
}

// TestErrorsWrap: the errors name the type and the package directory.
func TestErrorsWrap(t *testing.T) {
	dir := writePkg(t, map[string]string{"calc.go": calcSrc})
	_, err := Generate(Config{Dir: dir, Type: "Calc", Methods: []string{"Sub"}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrMethodNotFound))
	assert.Contains(t, err.Error(), `"Sub"`)
	assert.Contains(t, err.Error(), "Calc")
}

// Generate on a package with one pointer and one value method.
func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "methodgen")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	src := `package calc

type Calc struct{ n int }

func (c *Calc) Add(a, b int) int { return a + b }

func (c Calc) N() int { return c.n }
`
	if err := os.WriteFile(filepath.Join(dir, "calc.go"), []byte(src), 0o644); err != nil {
		panic(err)
	}
	out, err := Generate(Config{Dir: dir, Type: "Calc"})
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	// Output:
	// // Code generated by flint gen; DO NOT EDIT.
	//
	// package calc
	//
	// // FlintMethods implements secure.DirectMethods: it gives the daemon the
	// // methods of Calc as functions made by the compiler, which it calls without
	// // reflection.
	// func (x *Calc) FlintMethods() map[string]any {
	// 	return map[string]any{
	// 		"Add": x.Add,
	// 		"N":   func() int { return x.N() },
	// 	}
	// }
}
