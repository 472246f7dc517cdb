"""Our Python Pyro4 server for the exceptions example: the same TestClass as
the Go server, so the Go client can be run against real Pyro4.

usage: server.py [--until-eof]

Prints "URI <id> <uri>", then READY. With --until-eof it stops when its
standard input closes (the tests use that).
"""
import argparse
import pickle
import sys
import threading

import Pyro4


class UnserializableError(Exception):
    def __reduce__(self):
        raise pickle.PicklingError("cannot pickle this one")


class Foo(object):
    def crash(self):
        self.crash2("going down...")

    def crash2(self, arg):
        return arg // 2  # a str cannot be divided: TypeError


@Pyro4.expose
class TestClass(object):
    def div(self, arg1, arg2):
        return arg1 / arg2

    def error(self):
        raise ValueError("a valueerror! Great!")

    def error2(self):
        return ValueError("a valueerror! Great!")

    def othererr(self):
        raise RuntimeError("a runtime error!")

    def complexerror(self):
        Foo().crash()

    def unserializable(self):
        raise UnserializableError("this error can't be serialized")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    daemon = Pyro4.Daemon(host="127.0.0.1")
    uri = daemon.register(TestClass, "example.exceptions")
    print("URI example.exceptions", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
