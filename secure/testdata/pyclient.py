# Drives a daemon with the real Python Pyro4 4.82 client and prints what it
# saw as JSON. Used by the Go interop tests; run with /usr/bin/python3.
#   pyclient.py SERIALIZER GREETING_URI CALC_URI PY_ECHO_URI
import json, sys, math, traceback, decimal, uuid, datetime
import Pyro4, Pyro4.errors, Pyro4.util

ser, greeting_uri, calc_uri, py_echo_uri = sys.argv[1:5]
Pyro4.config.SERIALIZER = ser
out = {}

def exc_info(e):
    return {"class": type(e).__module__ + "." + type(e).__name__, "msg": str(e),
            "tb": "".join(Pyro4.util.getPyroTraceback()) if hasattr(e, "_pyroTraceback") else ""}

with Pyro4.Proxy(greeting_uri) as g:
    out["fortune"] = g.get_fortune("Alice")
    try:
        g.hidden()
        out["hidden"] = "no error"
    except Exception as e:
        out["hidden"] = exc_info(e)

with Pyro4.Proxy(calc_uri) as c:
    out["add"] = c.add(2, 3)
    out["sum"] = c.sum(1, 2, 3, 4)
    out["opts"] = c.opts("x", flag=True)
    for name, fn in [("div0", lambda: c.div(1.0, 0.0)), ("argcount", lambda: c.add(1)),
                     ("argtype", lambda: c.add("x", 1)), ("unknown", lambda: c.nosuchmethod()),
                     ("boom", lambda: c.boom()), ("fail", lambda: c.fail())]:
        try:
            fn()
            out[name] = "no error"
        except Exception as e:
            out[name] = exc_info(e)
    # Every value kind, echoed by the Go daemon and by a Python Pyro4 daemon:
    # the results must be the same.
    values = [None, True, False, 0, -1, 255, 2**31, -2**63, 2**64, -10**30, 1.5, -0.0, 1e100,
              float("inf"), float("-inf"), "", "ünïcødé ☃ \n\t'\"\\", [1, [2, [3]]], (1, "two"), (),
              {"a": 1, "b": [1, 2]}, {1, 2, 3}, {"nested": {"t": (1, 2), "l": []}}]
    if ser != "json":
        values += [b"\x00\x01\xffbytes", complex(1, 2)] if ser != "json" else []
    if ser == "marshal":
        values = [v for v in values if not isinstance(v, (set,))] + [{1, 2}]
    with Pyro4.Proxy(py_echo_uri) as pe:
        same = []
        for v in values:
            try:
                got_go = c.echo(v)
            except Exception as e:
                got_go = "ERR " + repr(e)
            got_py = pe.echo(v)
            ok = got_go == got_py or (isinstance(got_go, float) and math.isnan(got_go) and math.isnan(got_py))
            same.append([repr(v), ok, repr(got_go), repr(got_py)])
        out["echo"] = same
    out["after"] = c.add(20, 22)
print(json.dumps(out))
