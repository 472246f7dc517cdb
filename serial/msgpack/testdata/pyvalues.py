"""Reference values for the Go msgpack codec tests, made by real Python.

Run with /usr/bin/python3 (it needs msgpack 1.0.x and Pyro4 4.82).

Values are written in a tagged JSON form that the Go tests turn into model
values:

  {"t": "none"} {"t": "bool", "v": true} {"t": "int", "v": "<decimal>"}
  {"t": "float", "v": "<float.hex()>"} {"t": "complex", "re": .., "im": ..}
  {"t": "str", "v": ".."} {"t": "bytes", "v": "<hex>"}
  {"t": "list", "v": [..]} {"t": "tuple", "v": [..]}
  {"t": "dict", "v": [[key, value], ..]} {"t": "ext", "code": n, "v": "<hex>"}
  {"t": "datetime", "v": [y, m, d, H, M, S, us]}   (naive, local time)
  {"t": "date", "v": [y, m, d]} {"t": "timestamp", "sec": n, "nsec": n}

Modes:

  vectors FILE    for every vector in FILE (msgpack.json), evaluate
                  payload_raw_repr, apply Pyro4's own ext_hook to ExtType
                  values it maps, print [{"name": .., "expected": tagged}].
  roundtrip       read a JSON list of hex payloads on stdin; for each,
                  msgpack.unpackb(raw=False) then packb(use_bin_type=True);
                  print a list of {"hex": ..} or {"error": ..}.
  corpus SEED N   print N random values packed by Pyro4's MsgpackSerializer
                  as [{"hex": .., "expected": tagged}].
"""

import datetime
import json
import math
import random
import struct
import sys

import msgpack
from Pyro4.util import MsgpackSerializer

SER = MsgpackSerializer()


def tag(v, key=False):
    if v is None:
        return {"t": "none"}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": v.hex()}
    if isinstance(v, complex):
        return {"t": "complex", "re": v.real.hex(), "im": v.imag.hex()}
    if isinstance(v, str):
        return {"t": "str", "v": v}
    if isinstance(v, (bytes, bytearray)):
        return {"t": "bytes", "v": bytes(v).hex()}
    if isinstance(v, msgpack.ExtType):
        return {"t": "ext", "code": v.code, "v": v.data.hex()}
    if isinstance(v, msgpack.Timestamp):
        return {"t": "timestamp", "sec": v.seconds, "nsec": v.nanoseconds}
    if isinstance(v, datetime.datetime):
        assert v.tzinfo is None
        return {"t": "datetime", "v": [v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond]}
    if isinstance(v, datetime.date):
        return {"t": "date", "v": [v.year, v.month, v.day]}
    if isinstance(v, tuple) and key:
        return {"t": "tuple", "v": [tag(x, key=True) for x in v]}
    if isinstance(v, (list, tuple, set, frozenset)):
        return {"t": "list", "v": [tag(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[tag(k, key=True), tag(x)] for k, x in v.items()]}
    raise TypeError("cannot tag %r" % (v,))


def apply_ext_hook(v):
    """Map the ExtType codes Pyro4's ext_hook knows, everywhere in v."""
    if isinstance(v, msgpack.ExtType):
        if 0x30 <= v.code <= 0x33:
            return SER.ext_hook(v.code, v.data)
        return v
    if isinstance(v, list):
        return [apply_ext_hook(x) for x in v]
    if isinstance(v, dict):
        return {apply_ext_hook(k): apply_ext_hook(x) for k, x in v.items()}
    return v


def vectors(path):
    env = {"ExtType": msgpack.ExtType, "nan": math.nan, "inf": math.inf}
    out = []
    with open(path) as f:
        doc = json.load(f)
    for vec in doc["vectors"]:
        raw = eval(vec["payload_raw_repr"], env)
        out.append({"name": vec["name"], "expected": tag(apply_ext_hook(raw))})
    return out


def roundtrip():
    out = []
    for h in json.load(sys.stdin):
        try:
            v = msgpack.unpackb(bytes.fromhex(h), raw=False)
            out.append({"hex": msgpack.packb(v, use_bin_type=True).hex()})
        except Exception as e:  # reported to the Go test, which fails on it
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    return out


def rand_str(r):
    n = r.choice([0, 1, 5, 31, 32, 40, 255, 256, 300])
    chars = []
    for _ in range(n):
        c = r.choice([r.randrange(0x20, 0x7f), r.randrange(0xa0, 0x800), r.randrange(0x800, 0xd800),
                      r.randrange(0xe000, 0x10000), r.randrange(0x10000, 0x110000)])
        chars.append(chr(c))
    return "".join(chars)


INT_EDGES = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64,
             -1, -32, -33, -128, -129, -32768, -32769, -2**31, -2**31 - 1, -2**63, -2**63 - 1, 10**40, -10**40]


def rand_scalar(r):
    k = r.randrange(14)
    if k == 0:
        return None
    if k == 1:
        return r.random() < 0.5
    if k == 2:
        return r.choice(INT_EDGES)
    if k == 3:
        return r.randrange(-2**70, 2**70)
    if k == 4:
        return r.choice([0.0, -0.0, 1.5, math.inf, -math.inf, math.nan, 1e300, 5e-324])
    if k == 5:
        return struct.unpack("<d", r.randbytes(8))[0]
    if k == 6:
        return rand_str(r)
    if k == 7:
        return r.randbytes(r.choice([0, 1, 255, 256, 300]))
    if k == 8:
        return complex(r.uniform(-1e6, 1e6), r.choice([0.0, -2.5, math.inf]))
    if k == 9:
        return datetime.datetime(r.randrange(1971, 2037), r.randrange(1, 13), r.randrange(1, 29),
                                 r.randrange(24), r.randrange(60), r.randrange(60), r.randrange(1000000))
    if k == 10:
        return datetime.date(r.randrange(1, 10000), r.randrange(1, 13), r.randrange(1, 29))
    if k == 11:
        return msgpack.Timestamp(r.choice([0, 2**32 - 1, 2**34 - 1, 2**34, 253402214399, -62135510400]), r.choice([0, 1, 999999999]))
    if k == 12:
        return msgpack.ExtType(r.choice([0, 5, 0x34, 127]), r.randbytes(r.choice([0, 1, 2, 3, 4, 8, 16, 17, 300])))
    return r.randrange(-40, 200)


def rand_value(r, depth):
    k = r.randrange(10)
    if depth <= 0 or k < 5:
        return rand_scalar(r)
    n = r.choice([0, 1, 2, 15, 16, 17])
    if k == 5:
        return [rand_value(r, depth - 1) for _ in range(n)]
    if k == 6:
        return tuple(rand_value(r, depth - 1) for _ in range(n))
    if k == 7:
        return {r.choice(["a", "b", rand_str(r)]): rand_value(r, depth - 1) for _ in range(n)}
    if k == 8:
        return {r.randbytes(3): rand_value(r, depth - 1) for _ in range(min(n, 3))}
    return {r.randrange(-3, 300) for _ in range(n)}


def expected(v):
    """What the Go decoder must produce for v: Pyro4's packing, then our mapping."""
    if isinstance(v, (msgpack.ExtType, msgpack.Timestamp)):
        return v
    if isinstance(v, (set, frozenset)):
        return [expected(x) for x in tuple(v)]  # Pyro4 packs tuple(set)
    if isinstance(v, (list, tuple)):
        return [expected(x) for x in v]
    if isinstance(v, dict):
        return {k: expected(x) for k, x in v.items()}
    if isinstance(v, datetime.datetime):
        # Pyro4 sends the timestamp; the receiving side rebuilds it the
        # way Pyro4's ext_hook does.
        return datetime.datetime.fromtimestamp(v.timestamp())
    return v


def corpus(seed, n):
    r = random.Random(seed)
    out = []
    for i in range(n):
        v = rand_value(r, 3)
        if i == 0:
            v = [r.randbytes(70000), "x" * 70000, list(range(70000))]
        out.append({"hex": SER.dumps(v).hex(), "expected": tag(expected(v))})
    return out


def main():
    mode = sys.argv[1]
    if mode == "vectors":
        res = vectors(sys.argv[2])
    elif mode == "roundtrip":
        res = roundtrip()
    elif mode == "corpus":
        res = corpus(int(sys.argv[2]), int(sys.argv[3]))
    else:
        raise SystemExit("unknown mode " + mode)
    json.dump(res, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
