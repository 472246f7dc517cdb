package jsonser

// Helpers shared by the tests of this package: running the Python peer,
// converting its tagged values (see testdata/pyhelper.py) into the value
// model, and reading the recorded Pyro4 vectors.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/flintrpc/flint/value"
	"github.com/stretchr/testify/require"
)

const pythonPath = "/usr/bin/python3"

// requirePython skips the test when the Python peer is missing, unless CI is
// set, in which case a missing peer is a failure.
func requirePython(t testing.TB) {
	t.Helper()
	if err := exec.Command(pythonPath, "-c", "import json, marshal").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s cannot run: %v", pythonPath, err)
		}
		t.Skipf("%s not usable: %v", pythonPath, err)
	}
}

// runPy sends req to testdata/pyhelper.py and decodes its reply into out.
func runPy(t testing.TB, req, out any) {
	t.Helper()
	in, err := json.Marshal(req)
	require.NoError(t, err)
	cmd := exec.Command(pythonPath, "testdata/pyhelper.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	require.NoError(t, err, "pyhelper: %s", stderr.String())
	dec := json.NewDecoder(bytes.NewReader(res))
	dec.UseNumber()
	require.NoError(t, dec.Decode(out))
}

// fromTagged converts a tagged Python value into the value model.
func fromTagged(raw any) (any, error) {
	arr, ok := raw.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("bad tagged value %v", raw)
	}
	tag, _ := arr[0].(string)
	str := func(i int) string {
		if i < len(arr) {
			s, _ := arr[i].(string)
			return s
		}
		return ""
	}
	list := func() ([]any, error) {
		items, _ := arr[1].([]any)
		out := make([]any, len(items))
		for i, it := range items {
			v, err := fromTagged(it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	switch tag {
	case "N":
		return nil, nil
	case "b":
		return arr[1].(bool), nil
	case "i":
		z, ok := new(big.Int).SetString(str(1), 0)
		if !ok {
			return nil, fmt.Errorf("bad int %q", str(1))
		}
		return value.NormalizeInt(z), nil
	case "f":
		return strconv.ParseFloat(str(1), 64)
	case "c":
		re, err := strconv.ParseFloat(str(1), 64)
		if err != nil {
			return nil, err
		}
		im, err := strconv.ParseFloat(str(2), 64)
		return complex(re, im), err
	case "s":
		b, err := hex.DecodeString(str(1))
		return string(b), err
	case "y":
		return hex.DecodeString(str(1))
	case "l":
		return list()
	case "t":
		l, err := list()
		return value.Tuple(l), err
	case "set", "fset":
		l, err := list()
		return value.Set(l), err
	case "d":
		pairs, _ := arr[1].([]any)
		d := value.NewDict(len(pairs))
		for _, p := range pairs {
			kv, _ := p.([]any)
			if len(kv) != 2 {
				return nil, fmt.Errorf("bad dict pair %v", p)
			}
			k, err := fromTagged(kv[0])
			if err != nil {
				return nil, err
			}
			v, err := fromTagged(kv[1])
			if err != nil {
				return nil, err
			}
			d.Append(k, v)
		}
		return d, nil
	}
	return nil, fmt.Errorf("unknown tag %q", tag)
}

// vector is one recorded Pyro4 message.
type vector struct {
	Name       string `json:"name"`
	MessageHex string `json:"message_hex"`
	Compressed bool   `json:"payload_compressed"`
	RawRepr    string `json:"payload_raw_repr"`
}

// loadVectors reads testdata/<file> and returns the vectors with their
// payloads (inflated when compressed).
func loadVectors(t testing.TB, file string) ([]vector, map[string][]byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	require.NoError(t, err)
	var doc struct {
		Vectors []vector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Vectors)
	payloads := make(map[string][]byte)
	for _, v := range doc.Vectors {
		msg, err := hex.DecodeString(v.MessageHex)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(msg), 24, v.Name)
		flags := binary.BigEndian.Uint16(msg[8:])
		size := int(binary.BigEndian.Uint32(msg[12:]))
		ann := int(binary.BigEndian.Uint16(msg[18:]))
		require.Equal(t, 24+ann+size, len(msg), v.Name)
		p := msg[24+ann:]
		if flags&0x02 != 0 {
			zr, err := zlib.NewReader(bytes.NewReader(p))
			require.NoError(t, err, v.Name)
			p, err = io.ReadAll(zr)
			require.NoError(t, err, v.Name)
		}
		require.Equal(t, v.Compressed, flags&0x02 != 0, v.Name)
		payloads[v.Name] = p
	}
	return doc.Vectors, payloads
}

// firstDiff describes where want and got first differ, for test messages
// that stay readable on large values.
func firstDiff(want, got any) string {
	return diffAt("$", want, got)
}

func diffAt(path string, want, got any) string {
	if value.Equal(want, got) {
		return ""
	}
	short := func(v any) string {
		s := fmt.Sprintf("%#v", v)
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return s
	}
	seq := func(w, g []any) string {
		if len(w) != len(g) {
			return fmt.Sprintf("%s: length %d, want %d", path, len(g), len(w))
		}
		for i := range w {
			if d := diffAt(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	}
	switch w := want.(type) {
	case []any:
		if g, ok := got.([]any); ok {
			if d := seq(w, g); d != "" {
				return d
			}
		}
	case value.Tuple:
		if g, ok := got.(value.Tuple); ok {
			if d := seq(w, g); d != "" {
				return d
			}
		}
	case *value.Dict:
		if g, ok := got.(*value.Dict); ok && w.Len() == g.Len() {
			for _, it := range w.Items {
				gv, ok := g.Get(it.Key)
				if !ok {
					return fmt.Sprintf("%s: key %s missing", path, short(it.Key))
				}
				if d := diffAt(fmt.Sprintf("%s[%s]", path, short(it.Key)), it.Value, gv); d != "" {
					return d
				}
			}
		}
	}
	return fmt.Sprintf("%s: got %s, want %s", path, short(got), short(want))
}

// requirePyro4 is requirePython for tests that also need Pyro4 itself.
func requirePyro4(t testing.TB) {
	t.Helper()
	if err := exec.Command(pythonPath, "-c", "import Pyro4").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s cannot import Pyro4: %v", pythonPath, err)
		}
		t.Skipf("%s cannot import Pyro4: %v", pythonPath, err)
	}
}
