package msgpack

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/flintrpc/flint/value"
)

const pythonPath = "/usr/bin/python3"

// needPython skips the test when /usr/bin/python3 cannot import msgpack and
// Pyro4, unless CI is set, in which case it fails.
func needPython(t testing.TB) {
	t.Helper()
	out, err := exec.Command(pythonPath, "-c", "import msgpack, Pyro4").CombinedOutput()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "" {
		t.Skipf("python with msgpack and Pyro4 not available: %v %s", err, out)
	}
	t.Fatalf("CI is set but python with msgpack and Pyro4 is not available: %v %s", err, out)
}

// runPython runs testdata/pyvalues.py with args, feeding stdin, and
// decodes its JSON output into out.
func runPython(t testing.TB, stdin []byte, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(pythonPath, append([]string{"testdata/pyvalues.py"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyvalues.py %v: %v\n%s", args, err, stderr.Bytes())
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("pyvalues.py %v output: %v", args, err)
	}
}

// tagged is the JSON form testdata/pyvalues.py writes values in.
type tagged struct {
	T    string          `json:"t"`
	V    json.RawMessage `json:"v"`
	Code int8            `json:"code"`
	Re   string          `json:"re"`
	Im   string          `json:"im"`
	Sec  int64           `json:"sec"`
	Nsec int64           `json:"nsec"`
}

// fromTagged turns a tagged JSON value into the model value the decoder
// should produce.
func fromTagged(raw json.RawMessage) (any, error) {
	var tg tagged
	if err := json.Unmarshal(raw, &tg); err != nil {
		return nil, err
	}
	str := func() (string, error) {
		var s string
		err := json.Unmarshal(tg.V, &s)
		return s, err
	}
	switch tg.T {
	case "none":
		return nil, nil
	case "bool":
		var b bool
		err := json.Unmarshal(tg.V, &b)
		return b, err
	case "int":
		s, err := str()
		if err != nil {
			return nil, err
		}
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, fmt.Errorf("bad int %q", s)
		}
		return value.NormalizeInt(b), nil
	case "float":
		s, err := str()
		if err != nil {
			return nil, err
		}
		return strconv.ParseFloat(s, 64)
	case "complex":
		re, err := strconv.ParseFloat(tg.Re, 64)
		if err != nil {
			return nil, err
		}
		im, err := strconv.ParseFloat(tg.Im, 64)
		return complex(re, im), err
	case "str":
		return str()
	case "bytes", "ext":
		s, err := str()
		if err != nil {
			return nil, err
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, err
		}
		if tg.T == "ext" {
			return value.Ext{Code: tg.Code, Data: b}, nil
		}
		return b, nil
	case "list", "tuple":
		var kids []json.RawMessage
		if err := json.Unmarshal(tg.V, &kids); err != nil {
			return nil, err
		}
		out := make([]any, len(kids))
		for i, k := range kids {
			v, err := fromTagged(k)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		if tg.T == "tuple" {
			return value.Tuple(out), nil
		}
		return out, nil
	case "dict":
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(tg.V, &pairs); err != nil {
			return nil, err
		}
		d := value.NewDict(len(pairs))
		for _, p := range pairs {
			k, err := fromTagged(p[0])
			if err != nil {
				return nil, err
			}
			v, err := fromTagged(p[1])
			if err != nil {
				return nil, err
			}
			d.Append(k, v)
		}
		return d, nil
	case "datetime":
		var f [7]int
		if err := json.Unmarshal(tg.V, &f); err != nil {
			return nil, err
		}
		return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, time.Local), nil
	case "date":
		var f [3]int
		if err := json.Unmarshal(tg.V, &f); err != nil {
			return nil, err
		}
		return value.Date{Year: f[0], Month: time.Month(f[1]), Day: f[2]}, nil
	case "timestamp":
		return time.Unix(tg.Sec, tg.Nsec).UTC(), nil
	}
	return nil, fmt.Errorf("unknown tag %q", tg.T)
}

// vector is one message of testdata/msgpack.json (a copy of
// shared/vectors/msgpack.json).
type vector struct {
	Name       string `json:"name"`
	MessageHex string `json:"message_hex"`
	PayloadHex string `json:"payload_hex"`
	Compressed bool   `json:"payload_compressed"`
}

// payload returns the message's payload, inflated when FLAGS_COMPRESSED is
// set, and whether it was compressed.
func (v vector) payload(t testing.TB) ([]byte, bool) {
	t.Helper()
	msg, err := hex.DecodeString(v.MessageHex)
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	if len(msg) < 24 {
		t.Fatalf("%s: message shorter than a header", v.Name)
	}
	flags := int(msg[8])<<8 | int(msg[9])
	size := int(msg[12])<<24 | int(msg[13])<<16 | int(msg[14])<<8 | int(msg[15])
	ann := int(msg[18])<<8 | int(msg[19])
	if len(msg) != 24+ann+size {
		t.Fatalf("%s: message length %d, header says %d", v.Name, len(msg), 24+ann+size)
	}
	p := msg[24+ann:]
	if flags&0x02 == 0 {
		return p, false
	}
	return inflate(t, p), true
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/msgpack.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SerializerID int      `json:"serializer_id"`
		Vectors      []vector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SerializerID != 6 || len(doc.Vectors) == 0 {
		t.Fatalf("unexpected vector file: serializer %d, %d vectors", doc.SerializerID, len(doc.Vectors))
	}
	return doc.Vectors
}

func inflate(t testing.TB, p []byte) []byte {
	t.Helper()
	r, err := zlib.NewReader(bytes.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
