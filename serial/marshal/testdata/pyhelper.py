"""Test helper run by the Go tests with /usr/bin/python3.

It reads one JSON request from stdin and writes one JSON reply to stdout.
Python values cross over in a tagged form that keeps every type apart:

  ["N"]  ["b", bool]  ["i", hex(int)]  ["f", float.hex()]
  ["c", re.hex(), im.hex()]  ["s", utf8-hex (surrogatepass)]  ["y", hex]
  ["l", [...]]  ["t", [...]]  ["set", [...]]  ["fset", [...]]
  ["d", [[k, v], ...]]

Requests:
  {"cmd": "vectors", "file": path}
      -> {name: tagged(eval(payload_raw_repr))}
  {"cmd": "loads", "codec": "json"|"marshal", "payloads": [hex, ...]}
      -> [{"value": tagged, "redump": hex or "redump_error": msg}
          or {"error": "Type: msg"}, ...]
  {"cmd": "gen", "codec": "json"|"marshal", "seed": n, "count": n}
      -> [{"value": tagged, "data": hex}, ...]
  {"cmd": "pyro_dumps", "codec": "json"|"marshal", "exprs": [python expr, ...]}
      -> [{"data": hex} or {"error": "Type: msg"}, ...] written by Pyro4's own
         serializer (needs Pyro4); exprs may use datetime, decimal and uuid.
"""

import json
import marshal
import random
import sys


def tag(v):
    if v is None:
        return ["N"]
    t = type(v)
    if t is bool:
        return ["b", v]
    if t is int:
        return ["i", hex(v)]
    if t is float:
        return ["f", v.hex()]
    if t is complex:
        return ["c", v.real.hex(), v.imag.hex()]
    if t is str:
        return ["s", v.encode("utf-8", "surrogatepass").hex()]
    if t in (bytes, bytearray):
        return ["y", bytes(v).hex()]
    if t is list:
        return ["l", [tag(x) for x in v]]
    if t is tuple:
        return ["t", [tag(x) for x in v]]
    if t is set:
        return ["set", [tag(x) for x in v]]
    if t is frozenset:
        return ["fset", [tag(x) for x in v]]
    if t is dict:
        return ["d", [[tag(k), tag(x)] for k, x in v.items()]]
    raise TypeError("cannot tag %r" % (t,))


def eval_repr(text):
    env = {"nan": float("nan"), "inf": float("inf"), "set": set, "frozenset": frozenset}
    return eval(text, {"__builtins__": {}}, env)


def dumps(codec, v):
    if codec == "json":
        return json.dumps(v, ensure_ascii=False).encode("utf-8")
    return marshal.dumps(v)


def loads(codec, data):
    if codec == "json":
        return json.loads(data.decode("utf-8"))
    return marshal.loads(data)


# ---- random values -------------------------------------------------------

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
        import struct
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


def gen(codec, seed, count):
    r = random.Random(seed)
    out = []
    for _ in range(count):
        v = rand_value(r, codec, 4, ([], []))
        if codec == "marshal":
            data = marshal.dumps(v, r.choice([4, 4, 4, 3, 2, 1, 0]))
        else:
            data = dumps(codec, v)
        out.append({"value": tag(v), "data": data.hex()})
    return out


def main():
    # Hostile inputs can make marshal.loads allocate huge tuples; cap the
    # address space so that this fails with MemoryError instead.
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    sys.setrecursionlimit(10000)
    req = json.load(sys.stdin)
    cmd = req["cmd"]
    if cmd == "vectors":
        with open(req["file"], encoding="utf-8") as f:
            doc = json.load(f)
        out = {v["name"]: tag(eval_repr(v["payload_raw_repr"])) for v in doc["vectors"]}
    elif cmd == "loads":
        out = []
        for h in req["payloads"]:
            try:
                v = loads(req["codec"], bytes.fromhex(h))
                res = {"value": tag(v)}
            except Exception as e:  # the Go side compares outcomes
                out.append({"error": "%s: %s" % (type(e).__name__, e)})
                continue
            try:
                res["redump"] = dumps(req["codec"], v).hex()
            except Exception as e:
                res["redump_error"] = "%s: %s" % (type(e).__name__, e)
            out.append(res)
    elif cmd == "pyro_dumps":
        import datetime, decimal, uuid
        import Pyro4.util
        ser = Pyro4.util.get_serializer(req["codec"])
        env = {"datetime": datetime, "decimal": decimal, "uuid": uuid, "nan": float("nan"), "inf": float("inf")}
        out = []
        for expr in req["exprs"]:
            try:
                out.append({"data": ser.dumps(eval(expr, env)).hex()})
            except Exception as e:
                out.append({"error": "%s: %s" % (type(e).__name__, e)})
    elif cmd == "gen":
        out = gen(req["codec"], req["seed"], req["count"])
    else:
        raise SystemExit("unknown command " + cmd)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
