# A Python Pyro4 4.82 daemon for the Go interop tests; prints its URIs, then
# serves until stdin closes. Run with /usr/bin/python3.
#   pyserver.py [SERIALIZERS_ACCEPTED]
import sys, threading
import Pyro4

Pyro4.config.SERIALIZERS_ACCEPTED = set((sys.argv[1] if len(sys.argv) > 1 else "serpent,json,marshal,msgpack").split(","))
Pyro4.config.COMMTIMEOUT = 10

@Pyro4.expose
class Echo(object):
    def echo(self, v):
        return v
    def get_fortune(self, name):
        return "Hello, %s. Here is your fortune message:\nBe brave." % name
    def add(self, a, b):
        return a + b
    def sum(self, *nums):
        return sum(nums)
    def opts(self, name, **kw):
        return "%s %s" % (name, kw.get("flag"))
    def fail(self):
        raise ValueError("python failure", 42)
    def naming_fail(self):
        raise Pyro4.errors.NamingError("no such name")
    def count_to(self, n):
        for i in range(1, n + 1):
            yield i
    @Pyro4.oneway
    def fire(self, v):
        self.fired = v
    def last_fired(self):
        return getattr(self, "fired", None)

import os
if os.environ.get("PYRO_SSL") == "1":
    Pyro4.config.SSL = True
daemon = Pyro4.Daemon(host="127.0.0.1")
if os.environ.get("PY_HMAC_KEY"):
    daemon._pyroHmacKey = os.environ["PY_HMAC_KEY"].encode()
uri = daemon.register(Echo(), "py.echo")
print("URI", uri, flush=True)
def watch():
    sys.stdin.read()
    daemon.shutdown()
threading.Thread(target=watch, daemon=True).start()
daemon.requestLoop()
daemon.close()
