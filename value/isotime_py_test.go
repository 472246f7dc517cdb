package value

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonISOScript prints, for a set of datetimes and dates, the strings
// Python writes for them (isoformat with each timespec, and str) along with
// their fields, so that ParseISOTime is checked against the real producer.
const pythonISOScript = `
import datetime as dt, json
tz = dt.timezone
zones = [None, tz.utc, tz(dt.timedelta(hours=5, minutes=30)), tz(dt.timedelta(hours=-8)),
         tz(dt.timedelta(hours=1, minutes=2, seconds=3))]
moments = [dt.datetime(2024, 2, 29, 23, 59, 59, 999999), dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 12, 0, 0, 1),
           dt.datetime(1970, 1, 1, 0, 0, 0, 500000), dt.datetime(2001, 9, 9, 1, 46, 40, 123000)]
out = []
for m in moments:
    for z in zones:
        v = m.replace(tzinfo=z)
        off = None if z is None else int(v.utcoffset().total_seconds())
        forms = [v.isoformat(), str(v), v.isoformat(sep=' ')]
        for spec in ("hours", "minutes", "seconds", "milliseconds", "microseconds"):
            forms.append(v.isoformat(timespec=spec))
        for s in forms:
            # What the string means to Python (truncated forms lose digits).
            p = dt.datetime.fromisoformat(s)
            out.append({"s": s, "f": [p.year, p.month, p.day, p.hour, p.minute, p.second, p.microsecond], "off": off})
    out.append({"s": m.date().isoformat(), "f": [m.year, m.month, m.day, 0, 0, 0, 0], "off": None, "date": True})
print(json.dumps(out))
`

func TestParseISOTimeAgainstPython(t *testing.T) {
	out, err := exec.Command("/usr/bin/python3", "-c", pythonISOScript).Output()
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("/usr/bin/python3 not usable: %v", err)
		}
		t.Fatalf("/usr/bin/python3: %v", err)
	}
	var cases []struct {
		S    string `json:"s"`
		F    [7]int `json:"f"`
		Off  *int   `json:"off"`
		Date bool   `json:"date"`
	}
	require.NoError(t, json.Unmarshal(out, &cases))
	require.Greater(t, len(cases), 100)
	for _, c := range cases {
		got, err := ParseISOTime(c.S)
		require.NoError(t, err, c.S)
		f := c.F
		assert.Equal(t, [7]int{got.Year(), int(got.Month()), got.Day(), got.Hour(), got.Minute(), got.Second(), got.Nanosecond() / 1000}, f, c.S)
		_, off := got.Zone()
		if c.Off == nil {
			assert.Equal(t, time.Local, got.Location(), c.S)
		} else {
			assert.Equal(t, *c.Off, off, c.S)
		}
		if c.Date {
			d, err := ParseDate(c.S)
			require.NoError(t, err)
			assert.Equal(t, Date{f[0], time.Month(f[1]), f[2]}, d)
		}
	}
}
