# Real Pyro4 4.82 peer for the naming interop tests. Run with
# /usr/bin/python3. Configure TLS through the PYRO_SSL* variables.
#
#   pyns.py ops HOST PORT      run every name server method, print one JSON
#                              object with the results and exceptions
#   pyns.py locate [HOST PORT] locateNS (broadcast when no host), print its URI
#   pyns.py server HOST PORT   serve a greeting object, register it in the
#                              name server as example.py.greeting (metadata
#                              greeting.python), print "READY <uri>", serve
#                              until stdin closes
#   pyns.py call URI...        call get_fortune through each URI (PYRO,
#                              PYRONAME or PYROMETA), print one JSON list
import json
import sys
import threading

import Pyro4
import Pyro4.errors


def outcome(f):
    try:
        return {"ok": f()}
    except Exception as e:  # report the class the test expects
        return {"err": "%s.%s" % (type(e).__module__, type(e).__name__), "msg": str(e)}


def ops(host, port):
    ns = Pyro4.locateNS(host, port)
    out = {"ns_uri": str(ns._pyroUri)}
    out["ping"] = outcome(ns.ping)
    out["count0"] = ns.count()
    u, meta = ns.lookup("Pyro.NameServer", return_metadata=True)
    out["self"] = [type(u).__name__, str(u), sorted(meta)]
    ns.register("py.one", "PYRO:one@127.0.0.1:5001", metadata={"tag:a", "tag:b"})
    ns.register("py.two", Pyro4.URI("PYRO:two@127.0.0.1:5002"), safe=True)
    ns.register("py.three", "PYRO:three@127.0.0.1:5003", False, ["tag:b"])
    out["safe_dup"] = outcome(lambda: ns.register("py.two", "PYRO:x@127.0.0.1:1", safe=True))
    out["overwrite"] = outcome(lambda: ns.register("py.three", "PYRO:three@127.0.0.1:5033", metadata=["tag:b"]))
    u = ns.lookup("py.one")
    out["lookup"] = [type(u).__name__, str(u), u.host, u.port]
    u, meta = ns.lookup("py.one", return_metadata=True)
    out["lookup_meta"] = [str(u), sorted(meta), type(meta).__name__]
    out["lookup_meta_none"] = sorted(ns.lookup("py.two", return_metadata=True)[1])
    out["unknown"] = outcome(lambda: ns.lookup("no.such.name"))
    out["list"] = ns.list()
    out["list_prefix"] = ns.list(prefix="py.")
    out["list_prefix_meta"] = {k: [v[0], sorted(v[1])] for k, v in ns.list(prefix="py.", return_metadata=True).items()}
    out["list_regex"] = ns.list(regex=r"py\.t")
    out["list_regex_anchor"] = ns.list(regex=r"one")
    out["bad_regex"] = outcome(lambda: ns.list(regex="(unclosed"))
    out["two_filters"] = outcome(lambda: ns.list(prefix="py.", regex="x"))
    out["meta_all"] = ns.list(metadata_all={"tag:a", "tag:b"})
    out["meta_all_list"] = ns.list(metadata_all=["tag:b"])
    out["meta_any"] = ns.list(metadata_any={"tag:a", "zzz"})
    out["meta_none_match"] = ns.list(metadata_any={"zzz"})
    out["meta_str"] = outcome(lambda: ns.list(metadata_all="tag:a"))
    out["meta_int"] = outcome(lambda: ns.list(metadata_any=5))
    out["reg_meta_str"] = outcome(lambda: ns.register("py.x", "PYRO:x@127.0.0.1:1", metadata="abc"))
    out["reg_bad_uri_type"] = outcome(lambda: ns.register("py.x", 42))
    out["reg_bad_name_type"] = outcome(lambda: ns.register(42, "PYRO:x@127.0.0.1:1"))
    out["set_meta"] = outcome(lambda: ns.set_metadata("py.two", ["m1", "m2"]))
    out["after_set"] = sorted(ns.lookup("py.two", return_metadata=True)[1])
    out["clear_meta"] = outcome(lambda: ns.set_metadata("py.two", None))
    out["after_clear"] = ns.lookup("py.two", return_metadata=True)[1]
    out["set_meta_unknown"] = outcome(lambda: ns.set_metadata("no.such.name", ["m"]))
    out["remove"] = ns.remove("py.one")
    out["remove_again"] = ns.remove("py.one")
    out["remove_ns"] = ns.remove("Pyro.NameServer")
    out["remove_regex"] = ns.remove(regex=r"py\.th")
    out["remove_prefix"] = ns.remove(prefix="py.")
    out["remove_prefix_ns"] = ns.remove(prefix="Pyro.")
    out["remove_nothing"] = ns.remove()
    out["count_end"] = ns.count()
    out["list_end"] = ns.list()
    print(json.dumps(out, sort_keys=True))


@Pyro4.expose
class GreetingMaker(object):
    def get_fortune(self, name):
        return "Hello, %s. Here is your fortune message from Python." % name


def server(host, port):
    daemon = Pyro4.Daemon(host="127.0.0.1", port=0)
    uri = daemon.register(GreetingMaker())
    with Pyro4.locateNS(host, port) as ns:
        ns.register("example.py.greeting", uri, metadata={"greeting.python"})
    threading.Thread(target=daemon.requestLoop, daemon=True).start()
    print("READY", uri, flush=True)
    sys.stdin.read()
    daemon.shutdown()


def call(uris):
    out = []
    for u in uris:
        def go():
            with Pyro4.Proxy(u) as p:
                return p.get_fortune("Py")
        out.append(outcome(go))
    print(json.dumps(out))


def main():
    mode = sys.argv[1]
    if mode == "ops":
        ops(sys.argv[2], int(sys.argv[3]))
    elif mode == "locate":
        if len(sys.argv) > 2:
            ns = Pyro4.locateNS(sys.argv[2], int(sys.argv[3]))
        else:
            ns = Pyro4.locateNS()
        ns.ping()
        print(ns._pyroUri)
    elif mode == "server":
        server(sys.argv[2], int(sys.argv[3]))
    elif mode == "call":
        call(sys.argv[2:])
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
