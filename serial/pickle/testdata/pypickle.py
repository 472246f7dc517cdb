"""Reference pickles for the Go pickle plugin tests, made by real Python.

Run with /usr/bin/python3. Values are written in tagged JSON:

  {"t": "none"} {"t": "bool", "v": b} {"t": "int", "v": "<decimal>"}
  {"t": "float", "v": "<float.hex()>"} {"t": "complex", "re": .., "im": ..}
  {"t": "str", "v": ..} {"t": "bytes", "v": "<hex>"} {"t": "list", "v": [..]}
  {"t": "tuple", "v": [..]} {"t": "set", "v": [..]} {"t": "dict", "v": [[k, v], ..]}

Modes:

  corpus   print {"plain": [...], "refused": [...]}: plain values pickled at
           every protocol og-rek can read them at, with the tagged value;
           and pickles that name classes, call functions or build objects,
           which the Go decoder must refuse.
  load     read a JSON list of hex pickles on stdin and load each with an
           unpickler that only resolves builtins.set, builtins.frozenset and
           builtins.complex; print the tagged values (or {"error": ..}).
"""

import datetime
import io
import json
import math
import os
import pickle
import sys


def tag(v):
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
    if isinstance(v, list):
        return {"t": "list", "v": [tag(x) for x in v]}
    if isinstance(v, tuple):
        return {"t": "tuple", "v": [tag(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"t": "set", "v": [tag(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[tag(k), tag(x)] for k, x in v.items()]}
    raise TypeError("cannot tag %r" % (v,))


def has_set(v):
    if isinstance(v, (set, frozenset)):
        return True
    if isinstance(v, (list, tuple)):
        return any(has_set(x) for x in v)
    if isinstance(v, dict):
        return any(has_set(k) or has_set(x) for k, x in v.items())
    return False


PLAIN = {
    "none": None,
    "bools": [True, False],
    "ints": [0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, 2**63 - 1, -2**63, 2**64, -2**100],
    "big": 10**300,
    "floats": [0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, math.inf, -math.inf],
    "str": "h\u00e9llo w\u00f6rld \u2603 \U0001d11e 'q' \"dq\" \\ \n\t",
    "long_str": "x" * 300,
    "bytes": b"\x00\x01\xffbytes",
    "long_bytes": bytes(range(256)) * 2,
    "bytearray": bytearray(b"\x00ba"),
    "list": [1, "two", 3.0, [4, [5]]],
    "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
    "dict": {"a": 1, "b": [1, 2], 3: "three", (1, "t"): None, b"k": True},
    "call": ("obj_123", "get_fortune", ("Alice",), {"greeting": "hi"}),
    "set": {1, 2, 3},
    "frozenset": frozenset(["a", "b"]),
    "empty": [[], {}, (), ""],
    "shared_dict": (lambda x: [x, x, {"k": x}])({"a": 1}),
    "shared_tuple": (lambda x: [x, x, {"k": x}])((1, "b")),
    "shared_empty_list": (lambda x: [x, x])([]),
    "big_list": list(range(2500)),
    "big_dict": {"k%d" % i: i for i in range(1500)},
}


class Thing:
    def __init__(self):
        self.x = 1


class PersistentPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if obj == "ref-me":
            return "the-id"
        return None


def persistent(proto):
    buf = io.BytesIO()
    PersistentPickler(buf, protocol=proto).dump(["ref-me"])
    return buf.getvalue()


def refused():
    out = []
    for proto in range(0, 6):
        out.append(("os_system_p%d" % proto, pickle.dumps(os.system, protocol=proto)))
        out.append(("instance_p%d" % proto, pickle.dumps(Thing(), protocol=proto)))
        out.append(("datetime_p%d" % proto, pickle.dumps(datetime.datetime(2024, 1, 2), protocol=proto)))
        out.append(("persistent_p%d" % proto, persistent(proto)))
        # og-rek decodes a list referenced twice wrongly (its memo keeps
        # the list as it was when first memoized), so these are refused.
        out.append(("shared_list_p%d" % proto, pickle.dumps((lambda x: [x, x])([1, 2]), protocol=proto)))
        rec = [1]
        rec.append(rec)
        out.append(("recursive_list_p%d" % proto, pickle.dumps(rec, protocol=proto)))
    # Hand-written: the classic os.system call, and eval via STACK_GLOBAL.
    out.append(("global_reduce", b"cos\nsystem\n(S'echo pwned'\ntR."))
    out.append(("stack_global_reduce", b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x041+1\x85R."))
    out.append(("builtins_getattr", b"cbuiltins\ngetattr\n(cbuiltins\nobject\nS'x'\ntR."))
    out.append(("inst", b"(S'echo'\nios\nsystem\n."))
    # Sets from protocol 4 on use EMPTY_SET/ADDITEMS, which og-rek lacks.
    out.append(("set_p4", pickle.dumps({1, 2}, protocol=4)))
    out.append(("frozenset_p5", pickle.dumps(frozenset([1]), protocol=5)))
    return [{"name": n, "hex": p.hex()} for n, p in out]


def corpus():
    plain = []
    for name, v in PLAIN.items():
        for proto in range(0, 6):
            if proto >= 4 and has_set(v):
                continue  # og-rek cannot read EMPTY_SET/FROZENSET
            if name.startswith("big_") and proto not in (1, 5):
                continue  # batching (APPENDS/SETITEMS per 1000) is the point
            plain.append({"name": "%s_p%d" % (name, proto), "hex": pickle.dumps(v, protocol=proto).hex(),
                          "expected": tag(v)})
    return {"plain": plain, "refused": refused()}


class Restricted(pickle.Unpickler):
    ALLOWED = {("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError("refused %s.%s" % (module, name))


def load():
    out = []
    for h in json.load(sys.stdin):
        try:
            out.append(tag(Restricted(io.BytesIO(bytes.fromhex(h))).load()))
        except Exception as e:  # reported to the Go test, which fails on it
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    return out


def main():
    if sys.argv[1] == "corpus":
        res = corpus()
    elif sys.argv[1] == "load":
        res = load()
    else:
        raise SystemExit("unknown mode " + sys.argv[1])
    json.dump(res, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
