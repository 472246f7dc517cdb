"""Our Python Pyro4 server for the callback example: the same two servers as
the Go server (example.callback and example.callback2), so the Go client
can be run against real Pyro4.

usage: server.py [--unit SECONDS] [--until-eof]

Prints "URI <id> <uri>" per object, then READY. With --until-eof it stops
when its standard input closes (the tests use that).
"""
import argparse
import sys
import threading
import time

import Pyro4
import Pyro4.util

UNIT = 1.0


class Worker(object):
    def __init__(self, number, callback):
        self.number = number
        self.callback = callback
        print("Worker %d created" % number)

    @Pyro4.expose
    @Pyro4.oneway
    def work(self, amount):
        print("Worker %d busy..." % self.number)
        time.sleep(amount * UNIT)
        print("Worker %d done. Informing callback client." % self.number)
        self._pyroDaemon.unregister(self)
        self.callback.done(self.number)


class CallbackServer(object):
    def __init__(self):
        self.number = 0

    @Pyro4.expose
    def addworker(self, callback):
        self.number += 1
        print("server: adding worker %d" % self.number)
        worker = Worker(self.number, callback)
        self._pyroDaemon.register(worker)
        return worker


class CallbackServer2(object):
    @Pyro4.expose
    @Pyro4.oneway
    def doCallback(self, callback):
        for name in ("call1", "call2"):
            print("\n\nserver: doing callback %s to client" % name)
            try:
                getattr(callback, name)()
            except Exception:
                print("got an exception from the callback:")
                print("".join(Pyro4.util.getPyroTraceback()))
        print("server: callbacks done.")


def main():
    global UNIT
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit", type=float, default=1.0)
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    UNIT = opts.unit
    daemon = Pyro4.Daemon(host="127.0.0.1")
    print("URI example.callback", daemon.register(CallbackServer(), "example.callback"))
    print("URI example.callback2", daemon.register(CallbackServer2(), "example.callback2"))
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
