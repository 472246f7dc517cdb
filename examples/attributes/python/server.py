"""Our Python Pyro4 server for the attributes example: the same Thingy as the
Go server (including the __dunder__ method), so the
Go client can be run against real Pyro4.

usage: server.py [--until-eof]

Prints "URI <id> <uri>", then READY. With --until-eof it stops when its
standard input closes (the tests use that).
"""
import argparse
import sys
import threading

import Pyro4


@Pyro4.expose
class Thingy(object):
    def __init__(self):
        self.sub = {"name": "value"}
        self.value = 42
        self._value = 123

    def __dunder__(self):
        return "yep"

    def getValue(self):
        return self.value

    @property
    def prop_value(self):
        return self.value

    @prop_value.setter
    def prop_value(self, value):
        self.value = value

    @property
    def prop_sub(self):
        return self.sub


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    daemon = Pyro4.Daemon(host="127.0.0.1")
    uri = daemon.register(Thingy, "example.attributes")  # a class: one instance per session
    print("URI example.attributes", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
