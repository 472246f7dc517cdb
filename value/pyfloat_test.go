package value

import (
	"math"
	"testing"
)

func TestAppendFloatRepr(t *testing.T) {
	// Expected strings are what CPython 3.11's repr() prints for each value.
	cases := []struct {
		f    float64
		want string
	}{
		{1, "1.0"}, {-1.5, "-1.5"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"},
		{1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {1234567.0, "1234567.0"},
		{1e-4, "0.0001"}, {1e-5, "1e-05"}, {1e100, "1e+100"}, {0.1, "0.1"},
		{1.2345678901234568e+17, "1.2345678901234568e+17"}, {3.25, "3.25"},
		{5e-324, "5e-324"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
		{123456789012345.6, "123456789012345.6"}, {0.00012345, "0.00012345"},
	}
	for _, c := range cases {
		if got := string(AppendFloatRepr(nil, c.f)); got != c.want {
			t.Errorf("repr(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}
