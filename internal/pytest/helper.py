"""Python side of the codec tests, run by internal/pytest with /usr/bin/python3.

It reads one JSON request from stdin and writes one JSON reply to stdout.
Python values cross over in a tagged form that keeps every type apart:

  ["N"]  ["b", bool]  ["i", int text]  ["f", float.hex()]
  ["c", re.hex(), im.hex()]  ["s", utf8-hex (surrogatepass)]  ["y", hex]
  ["l", [...]]  ["t", [...]]  ["set", [...]]  ["fset", [...]]
  ["d", [[k, v], ...]] in iteration order.

The int text is hex(int) for the json and marshal codecs and str(int) for
serpent: an int that serpent could not write back (past CPython's 4300-digit
int/str limit) cannot be tagged, so it is reported as an error.

Requests ("codec" is "json", "marshal" or "serpent" unless noted):
  {"cmd": "vectors", "file": path}
      -> {name: tagged(eval(payload_raw_repr))} for a recorded vector file.
  {"cmd": "loads", "codec": c, "payloads": [hex, ...]}
      -> [{"value": tagged, "redump": hex or "redump_error": msg}
          or {"error": "Type: msg"}, ...]; the redump is the codec's dumps of
         the loaded value (serpent: module_in_classname=True, as Pyro4 does).
  {"cmd": "gen", "codec": c, "seed": n, "count": n}
      -> [{"value": tagged, "data": hex}, ...] random values and their bytes.
         For serpent, "value" is what serpent.loads reads back from "data".
  {"cmd": "pyro_dumps", "codec": c, "exprs": [python expr, ...]}
      -> [{"data": hex} or {"error": "Type: msg"}, ...] written by Pyro4's own
         serializer (needs Pyro4); exprs may use datetime, decimal and uuid.
  {"cmd": "printable"}
      -> {"unidata": version, "ranges": [[lo, hi], ...]} the non-ASCII code
         points str.isprintable() accepts.
  {"cmd": "nesting", "levels": [n, ...]}
      -> [true | false, ...] whether serpent.dumps accepts a list nested n
         deep.

The serpent module is imported only by the requests that use it.
"""

import json
import marshal
import random
import struct
import sys


def tag(v, int_text=hex):
    if v is None:
        return ["N"]
    t = type(v)
    if t is bool:
        return ["b", v]
    if t is int:
        return ["i", int_text(v)]
    if t is float:
        return ["f", v.hex()]
    if t is complex:
        return ["c", v.real.hex(), v.imag.hex()]
    if t is str:
        return ["s", v.encode("utf-8", "surrogatepass").hex()]
    if t in (bytes, bytearray):
        return ["y", bytes(v).hex()]
    if t is list:
        return ["l", [tag(x, int_text) for x in v]]
    if t is tuple:
        return ["t", [tag(x, int_text) for x in v]]
    if t is set:
        return ["set", [tag(x, int_text) for x in v]]
    if t is frozenset:
        return ["fset", [tag(x, int_text) for x in v]]
    if t is dict:
        return ["d", [[tag(k, int_text), tag(x, int_text)] for k, x in v.items()]]
    raise TypeError("cannot tag %r" % (t,))


def tag_for(codec, v):
    return tag(v, str if codec == "serpent" else hex)


def error(e):
    return {"error": "%s: %s" % (type(e).__name__, e)}


def eval_repr(text):
    env = {"nan": float("nan"), "inf": float("inf"), "set": set, "frozenset": frozenset}
    return eval(text, {"__builtins__": {}}, env)


def dumps(codec, v):
    if codec == "json":
        return json.dumps(v, ensure_ascii=False).encode("utf-8")
    if codec == "serpent":
        import serpent
        return serpent.dumps(v, module_in_classname=True)
    return marshal.dumps(v)


def loads(codec, data):
    if codec == "json":
        return json.loads(data.decode("utf-8"))
    if codec == "serpent":
        import serpent
        return serpent.loads(data)
    return marshal.loads(data)


# ---- random values for json and marshal ------------------------------------

def rand_str(r):
    kind = r.randrange(6)
    n = r.choice([0, 1, 3, 10, 40, 255, 256, 300]) if r.random() < 0.3 else r.randrange(12)
    if kind == 0:
        alphabet = "abcxyz_019 "
    elif kind == 1:
        alphabet = "\x00\x01\x1f\x7f\"\\/\n\r\t\b\f'"
    elif kind == 2:
        alphabet = "é\u00ff\u00a0ü"
    elif kind == 3:
        alphabet = "☃\u2028\u2029\ufeff\uffff"
    elif kind == 4:
        alphabet = "\U0001d11e\U0001f600\U0010ffff"
    else:
        alphabet = "aé☃\U0001d11e\x00"
    return "".join(r.choice(alphabet) for _ in range(n))


def rand_int(r):
    k = r.randrange(8)
    if k == 0:
        return r.randrange(-300, 300)
    if k == 1:
        return r.choice([2**31 - 1, -2**31, 2**31, -2**31 - 1, 2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**64, 2**15, 2**30, 2**60])
    if k == 2:
        return r.randrange(-2**63, 2**63)
    if k == 3:
        b = r.randrange(64, 400)
        return r.choice([-1, 1]) * r.randrange(2**(b - 1), 2**b)
    return r.randrange(-2**31, 2**31)


def rand_float(r):
    k = r.randrange(6)
    if k == 0:
        return r.choice([0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e16, 1e-5, 5e-324, 1.7976931348623157e308, 0.1, 1.5])
    if k == 1:
        return struct.unpack("<d", r.getrandbits(64).to_bytes(8, "little"))[0]
    return r.uniform(-1e6, 1e6) * 10 ** r.randrange(-30, 30)


def rand_scalar(r, codec, hashable):
    k = r.randrange(9 if codec == "marshal" else 6)
    if k == 0:
        return None
    if k == 1:
        return r.random() < 0.5
    if k == 2:
        return rand_int(r)
    if k == 3:
        f = rand_float(r)
        while hashable and f != f:  # NaN keys never compare equal
            f = rand_float(r)
        return f
    if k in (4, 5):
        s = rand_str(r)
        if codec == "marshal" and r.random() < 0.3:
            s = sys.intern(s)
        return s
    if k == 6:
        z = complex(rand_float(r), rand_float(r))
        return complex(1, 1) if hashable and z != z else z
    return bytes(r.getrandbits(8) for _ in range(r.randrange(20)))


def rand_value(r, codec, depth, pool, hashable=False):
    """pool = (any_values, hashable_values): earlier values to share, so
    that marshal writes FLAG_REF and back-references."""
    if codec == "marshal" and r.random() < 0.15:
        cand = pool[1] if hashable else pool[0]
        if cand:
            return r.choice(cand[-50:])
    if depth <= 0 or r.random() < 0.45:
        v = rand_scalar(r, codec, hashable)
    else:
        n = r.randrange(6)
        if depth == 1 and r.random() < 0.05:
            n = 260
        kinds = ["list", "dict"] if codec == "json" else ["list", "dict", "tuple", "set", "frozenset"]
        if hashable:
            kinds = ["tuple", "frozenset"]
        kind = r.choice(kinds)
        if kind == "list":
            v = [rand_value(r, codec, depth - 1, pool) for _ in range(n)]
        elif kind == "tuple":
            v = tuple(rand_value(r, codec, depth - 1, pool, hashable) for _ in range(n))
        elif kind in ("set", "frozenset"):
            items = [rand_value(r, codec, depth - 1, pool, True) for _ in range(n)]
            v = set(items) if kind == "set" else frozenset(items)
        else:
            v = {}
            for _ in range(n):
                if codec == "json":
                    key = rand_str(r)
                else:
                    key = rand_value(r, codec, depth - 1, pool, True)
                v[key] = rand_value(r, codec, depth - 1, pool)
    if codec == "marshal":
        pool[0].append(v)
        if is_hashable(v):
            pool[1].append(v)
    return v


def is_hashable(v):
    try:
        hash(v)
        return True
    except TypeError:
        return False


# ---- random values for serpent ---------------------------------------------

# Code point pools for random strings: ASCII (quotes, backslash, controls),
# Latin-1 (including non-printables), BMP letters, format characters,
# separators, private use, unassigned and astral characters. No surrogates.
SERPENT_POOLS = [
    (0x00, 0x7F), (0x20, 0x7E), (0x80, 0xFF), (0x370, 0x3FF), (0x2000, 0x206F),
    (0x3000, 0x303F), (0x4E00, 0x4E20), (0xE000, 0xE010), (0xFFF0, 0xFFFF),
    (0x1F600, 0x1F64F), (0x1D100, 0x1D1FF), (0xE0000, 0xE007F), (0x10FFF0, 0x10FFFF),
    (0x0CF3, 0x0CF3), (0x1FA75, 0x1FA77),
]
SERPENT_SPECIAL_CHARS = "'\"\\\n\r\t\x00\x7f\x85\xa0\xad\u2028\u200b"


def serpent_str(r):
    out = []
    for _ in range(r.randrange(0, 12)):
        if r.random() < 0.3:
            out.append(r.choice(SERPENT_SPECIAL_CHARS))
        else:
            lo, hi = r.choice(SERPENT_POOLS)
            out.append(chr(r.randint(lo, hi)))
    return "".join(out)


def serpent_float(r):
    c = r.random()
    if c < 0.15:
        return r.choice([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 5e-324, 1.7976931348623157e308, 1e16, 1e-5, 0.1])
    if c < 0.4:
        return struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
    return r.uniform(-1e6, 1e6)


def serpent_int(r):
    c = r.random()
    if c < 0.4:
        return r.randint(-1000, 1000)
    if c < 0.7:
        return r.randint(-(2**63), 2**63 - 1)
    return r.randint(-(10**60), 10**60)


def serpent_key(r, depth):
    c = r.random()
    if c < 0.5:
        return serpent_str(r)
    if c < 0.8:
        return serpent_int(r)
    if c < 0.9 or depth > 2:
        f = serpent_float(r)
        return 0.5 if f != f else f
    return tuple(serpent_key(r, depth + 1) for _ in range(r.randrange(0, 3)))


def serpent_value(r, depth=0):
    c = r.randrange(14 if depth < 4 else 8)
    if c == 0:
        return None
    if c == 1:
        return r.random() < 0.5
    if c == 2:
        return serpent_int(r)
    if c == 3:
        return serpent_float(r)
    if c == 4:
        re_, im = serpent_float(r), serpent_float(r)
        if re_ != re_:
            re_ = 1.0
        if im != im:
            im = -2.0
        if im == 0:
            im = 0.0  # serpent writes -0.0j as "+-0.0j", which it cannot read
        return complex(re_, im)
    if c in (5, 6):
        return serpent_str(r)
    if c == 7:
        return r.randbytes(r.randrange(0, 20))
    n = r.randrange(0, 5)
    if c in (8, 9):
        return [serpent_value(r, depth + 1) for _ in range(n)]
    if c == 10:
        return tuple(serpent_value(r, depth + 1) for _ in range(n))
    if c == 11:
        return {serpent_key(r, 0) for _ in range(n)}
    return {serpent_key(r, 0): serpent_value(r, depth + 1) for _ in range(n)}


# ---- commands ----------------------------------------------------------------

def gen(codec, seed, count):
    r = random.Random(seed)
    out = []
    for _ in range(count):
        if codec == "serpent":
            data = dumps(codec, serpent_value(r))
            out.append({"value": tag_for(codec, loads(codec, data)), "data": data.hex()})
            continue
        v = rand_value(r, codec, 4, ([], []))
        if codec == "marshal":
            data = marshal.dumps(v, r.choice([4, 4, 4, 3, 2, 1, 0]))
        else:
            data = dumps(codec, v)
        out.append({"value": tag_for(codec, v), "data": data.hex()})
    return out


def cmd_loads(codec, payloads):
    out = []
    for h in payloads:
        try:
            v = loads(codec, bytes.fromhex(h))
            res = {"value": tag_for(codec, v)}
        except Exception as e:  # the Go side compares outcomes
            out.append(error(e))
            continue
        try:
            res["redump"] = dumps(codec, v).hex()
        except Exception as e:
            res["redump_error"] = "%s: %s" % (type(e).__name__, e)
        out.append(res)
    return out


def cmd_pyro_dumps(codec, exprs):
    import datetime, decimal, uuid
    import Pyro4.util
    ser = Pyro4.util.get_serializer(codec)
    env = {"datetime": datetime, "decimal": decimal, "uuid": uuid, "nan": float("nan"), "inf": float("inf")}
    out = []
    for expr in exprs:
        try:
            out.append({"data": ser.dumps(eval(expr, env)).hex()})
        except Exception as e:
            out.append(error(e))
    return out


def cmd_printable():
    import unicodedata
    ranges = []
    for c in range(0x80, 0x110000):
        if chr(c).isprintable():
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
    return {"unidata": unicodedata.unidata_version, "ranges": ranges}


def cmd_nesting(levels):
    import serpent
    out = []
    for n in levels:
        v = []
        for _ in range(n - 1):
            v = [v]
        try:
            serpent.dumps(v)
            out.append(True)
        except ValueError:
            out.append(False)
    return out


def limit_resources():
    # Hostile inputs can make marshal.loads allocate huge tuples; cap the
    # address space so that this fails with MemoryError instead, and let
    # deep json and marshal values through.
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    sys.setrecursionlimit(10000)


def main():
    req = json.load(sys.stdin)
    cmd = req["cmd"]
    # serpent's nesting limit comes from the interpreter's default recursion
    # limit, so serpent requests keep the defaults.
    if req.get("codec") != "serpent" and cmd not in ("printable", "nesting"):
        limit_resources()
    if cmd == "vectors":
        with open(req["file"], encoding="utf-8") as f:
            doc = json.load(f)
        out = {v["name"]: tag(eval_repr(v["payload_raw_repr"])) for v in doc["vectors"]}
    elif cmd == "loads":
        out = cmd_loads(req["codec"], req["payloads"])
    elif cmd == "gen":
        out = gen(req["codec"], req["seed"], req["count"])
    elif cmd == "pyro_dumps":
        out = cmd_pyro_dumps(req["codec"], req["exprs"])
    elif cmd == "printable":
        out = cmd_printable()
    elif cmd == "nesting":
        out = cmd_nesting(req["levels"])
    else:
        raise SystemExit("unknown command " + cmd)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
