// Package pytest is test support for the codec packages (serial/jsonser,
// serial/marshal, serial/serpent). It must be imported only by _test.go
// files, never by production code: it calls t.Fatal and t.Skip, runs
// /usr/bin/python3 and trusts its input.
//
// It holds what those tests share:
//
//   - the Python peer: [RequirePython] and [RequirePyro4] decide whether the
//     real interpreter can run, and [RunHelper] sends one request to the
//     embedded helper script (helper.py, whose doc string lists the
//     commands) and decodes its reply; [Loads] and [Gen] wrap its two most
//     used commands;
//   - [FromTagged], which turns the helper's tagged Python values into the
//     value model;
//   - the recorded Pyro4 vectors: [LoadVectors], the golden files of
//     expected values ([CheckGolden], [LoadGolden]) and the checks every
//     codec runs on them ([CheckVectorsDecode], [CheckVectorsTruncated]);
//   - [FirstDiff], a readable description of where two values differ.
//
// # Invariants
//
//   - Python is always run as [Python] (/usr/bin/python3), never the python3
//     found on PATH, with the test's working directory, so relative paths in
//     requests resolve against the package under test.
//   - The Require functions skip the test only when the interpreter (or
//     module) is missing and the environment variable CI is unset; when CI is
//     set the test fails instead.
//   - FromTagged returns an error, never panics, on a malformed tagged value.
package pytest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Python is the interpreter that has Pyro4, serpent and msgpack installed.
const Python = "/usr/bin/python3"

// helperScript is the Python side of the tests; see its doc string for the
// requests it answers.
//
//go:embed helper.py
var helperScript string

// RequirePython skips t when Python cannot import json and marshal (which
// the helper needs) and the given extra modules, unless CI is set, in which
// case that is a failure.
func RequirePython(t testing.TB, modules ...string) {
	t.Helper()
	requireImport(t, append([]string{"json", "marshal"}, modules...)...)
}

// RequirePyro4 is RequirePython for tests that also need Pyro4 itself.
func RequirePyro4(t testing.TB) {
	t.Helper()
	requireImport(t, "Pyro4")
}

func requireImport(t testing.TB, modules ...string) {
	t.Helper()
	list := strings.Join(modules, ", ")
	if err := exec.Command(Python, "-c", "import "+list).Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s cannot import %s: %v", Python, list, err)
		}
		t.Skipf("%s cannot import %s: %v", Python, list, err)
	}
}

// RunHelper sends req, encoded as JSON, to the embedded helper script and
// decodes its JSON reply into out. Numbers decoded into interface values
// become json.Number, so big ints survive. Any failure of the helper fails
// t with the helper's stderr.
func RunHelper(t testing.TB, req, out any) {
	t.Helper()
	in, err := json.Marshal(req)
	require.NoError(t, err)
	cmd := exec.Command(Python, "-c", helperScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	require.NoError(t, err, "python helper: %s", stderr.String())
	dec := json.NewDecoder(bytes.NewReader(res))
	dec.UseNumber()
	require.NoError(t, dec.Decode(out))
}

// Load is one answer of the helper's loads command: the tagged value
// Python's codec read and that codec's dumps of it (Redump, hex), or the
// error either step raised, as "Type: message".
type Load struct {
	Value       any    `json:"value"`
	Redump      string `json:"redump"`
	RedumpError string `json:"redump_error"`
	Error       string `json:"error"`
}

// Loads has Python's codec ("json", "marshal" or "serpent") load each
// hex-encoded payload, and dump again what it read. There is one Load per
// payload, in order.
func Loads(t testing.TB, codec string, payloads []string) []Load {
	t.Helper()
	var res []Load
	RunHelper(t, map[string]any{"cmd": "loads", "codec": codec, "payloads": payloads}, &res)
	return res
}

// Generated is one answer of the helper's gen command: a random value
// (tagged) and the bytes (hex) Python's codec wrote for it.
type Generated struct {
	Value any    `json:"value"`
	Data  string `json:"data"`
}

// Gen has Python make count random values for codec from seed, and write
// them with that codec. The same seed always gives the same values.
func Gen(t testing.TB, codec string, seed, count int) []Generated {
	t.Helper()
	var res []Generated
	RunHelper(t, map[string]any{"cmd": "gen", "codec": codec, "seed": seed, "count": count}, &res)
	return res
}
