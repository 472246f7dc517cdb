"""Test peer for the Go serpent codec: runs the real serpent 1.41.

Reads one JSON request on stdin and writes one JSON reply on stdout.

  {"op": "loads", "payloads": [hex, ...]}
      -> [{"value": tagged} | {"error": "Type: msg"}, ...]
         serpent.loads of each payload.
  {"op": "roundtrip", "payloads": [hex, ...]}
      -> [{"value": tagged, "dumps": hex} | {"error": ...}, ...]
         serpent.loads, then serpent.dumps of the loaded value, the way
         Pyro4 calls it (module_in_classname=True).
  {"op": "generate", "seed": n, "count": m}
      -> [{"dumps": hex, "value": tagged}, ...]
         random values written by serpent.dumps; "value" is what
         serpent.loads reads back from that text.
  {"op": "printable"}
      -> {"unidata": version, "ranges": [[lo, hi], ...]}
         the non-ASCII code points str.isprintable() accepts.
  {"op": "nesting", "levels": [n, ...]}
      -> [true | false, ...] whether serpent.dumps accepts a list nested
         n deep.

Tagged values: ["none"], ["bool", b], ["int", "digits"],
["float", "16 hex digits of the IEEE bits"], ["complex", bits, bits],
["str", s], ["bytes", hex], ["list"|"tuple"|"set", [tagged...]],
["dict", [[k, v], ...]] in iteration order.
"""

import json
import random
import struct
import sys
import unicodedata

import serpent


def bits(f):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", f))[0]


def tag(v):
    t = type(v)
    if v is None:
        return ["none"]
    if t is bool:
        return ["bool", v]
    if t is int:
        return ["int", str(v)]
    if t is float:
        return ["float", bits(v)]
    if t is complex:
        return ["complex", bits(v.real), bits(v.imag)]
    if t is str:
        return ["str", v]
    if t in (bytes, bytearray):
        return ["bytes", bytes(v).hex()]
    if t is list:
        return ["list", [tag(x) for x in v]]
    if t is tuple:
        return ["tuple", [tag(x) for x in v]]
    if t in (set, frozenset):
        return ["set", [tag(x) for x in v]]
    if t is dict:
        return ["dict", [[tag(k), tag(x)] for k, x in v.items()]]
    raise TypeError("cannot tag %r" % t)


def err(e):
    return {"error": "%s: %s" % (type(e).__name__, e)}


# Code point pools for random strings: ASCII (quotes, backslash, controls),
# Latin-1 (including non-printables), BMP letters, format characters,
# separators, private use, unassigned and astral characters. No surrogates.
POOLS = [
    (0x00, 0x7F), (0x20, 0x7E), (0x80, 0xFF), (0x370, 0x3FF), (0x2000, 0x206F),
    (0x3000, 0x303F), (0x4E00, 0x4E20), (0xE000, 0xE010), (0xFFF0, 0xFFFF),
    (0x1F600, 0x1F64F), (0x1D100, 0x1D1FF), (0xE0000, 0xE007F), (0x10FFF0, 0x10FFFF),
    (0x0CF3, 0x0CF3), (0x1FA75, 0x1FA77),
]
SPECIAL_CHARS = "'\"\\\n\r\t\x00\x7f\x85\xa0\xad\u2028\u200b"


def rstr(r):
    out = []
    for _ in range(r.randrange(0, 12)):
        if r.random() < 0.3:
            out.append(r.choice(SPECIAL_CHARS))
        else:
            lo, hi = r.choice(POOLS)
            out.append(chr(r.randint(lo, hi)))
    return "".join(out)


def rfloat(r):
    c = r.random()
    if c < 0.15:
        return r.choice([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 5e-324, 1.7976931348623157e308, 1e16, 1e-5, 0.1])
    if c < 0.4:
        return struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
    return r.uniform(-1e6, 1e6)


def rint(r):
    c = r.random()
    if c < 0.4:
        return r.randint(-1000, 1000)
    if c < 0.7:
        return r.randint(-(2**63), 2**63 - 1)
    return r.randint(-(10**60), 10**60)


def rkey(r, depth):
    c = r.random()
    if c < 0.5:
        return rstr(r)
    if c < 0.8:
        return rint(r)
    if c < 0.9 or depth > 2:
        f = rfloat(r)
        return 0.5 if f != f else f
    return tuple(rkey(r, depth + 1) for _ in range(r.randrange(0, 3)))


def rvalue(r, depth=0):
    c = r.randrange(14 if depth < 4 else 8)
    if c == 0:
        return None
    if c == 1:
        return r.random() < 0.5
    if c == 2:
        return rint(r)
    if c == 3:
        return rfloat(r)
    if c == 4:
        re_, im = rfloat(r), rfloat(r)
        if re_ != re_:
            re_ = 1.0
        if im != im:
            im = -2.0
        if im == 0:
            im = 0.0  # serpent writes -0.0j as "+-0.0j", which it cannot read
        return complex(re_, im)
    if c in (5, 6):
        return rstr(r)
    if c == 7:
        return r.randbytes(r.randrange(0, 20))
    n = r.randrange(0, 5)
    if c in (8, 9):
        return [rvalue(r, depth + 1) for _ in range(n)]
    if c == 10:
        return tuple(rvalue(r, depth + 1) for _ in range(n))
    if c == 11:
        return {rkey(r, 0) for _ in range(n)}
    return {rkey(r, 0): rvalue(r, depth + 1) for _ in range(n)}


def main():
    req = json.load(sys.stdin)
    op = req["op"]
    if op == "loads":
        out = []
        for h in req["payloads"]:
            try:
                out.append({"value": tag(serpent.loads(bytes.fromhex(h)))})
            except Exception as e:
                out.append(err(e))
    elif op == "roundtrip":
        out = []
        for h in req["payloads"]:
            try:
                v = serpent.loads(bytes.fromhex(h))
                out.append({"value": tag(v), "dumps": serpent.dumps(v, module_in_classname=True).hex()})
            except Exception as e:
                out.append(err(e))
    elif op == "generate":
        r = random.Random(req["seed"])
        out = []
        for _ in range(req["count"]):
            data = serpent.dumps(rvalue(r), module_in_classname=True)
            out.append({"dumps": data.hex(), "value": tag(serpent.loads(data))})
    elif op == "printable":
        ranges = []
        for c in range(0x80, 0x110000):
            if chr(c).isprintable():
                if ranges and ranges[-1][1] == c - 1:
                    ranges[-1][1] = c
                else:
                    ranges.append([c, c])
        out = {"unidata": unicodedata.unidata_version, "ranges": ranges}
    elif op == "nesting":
        out = []
        for n in req["levels"]:
            v = []
            for _ in range(n - 1):
                v = [v]
            try:
                serpent.dumps(v)
                out.append(True)
            except ValueError:
                out.append(False)
    else:
        raise SystemExit("unknown op " + op)
    json.dump(out, sys.stdout)


main()
