"""Our Python Pyro4 server for the async example: the same Thingy as the Go
server, so the Go client can be run against real Pyro4.

usage: server.py [--delay SECONDS] [--until-eof]

Prints "URI <id> <uri>" for the object, then READY. With --until-eof it
stops when its standard input closes (the tests use that).
"""
import argparse
import sys
import threading
import time

import Pyro4


@Pyro4.expose
class Thingy(object):
    delay = 3.0

    def divide(self, a, b):
        print("dividing {0} by {1} after a slight delay".format(a, b))
        time.sleep(self.delay)
        return a // b

    def multiply(self, a, b):
        print("multiply {0} by {1}, no delay".format(a, b))
        return a * b

    def add(self, value, increase):
        print("adding {0} to {1}, no delay".format(increase, value))
        return value + increase


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=3.0)
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    Thingy.delay = opts.delay
    daemon = Pyro4.Daemon(host="127.0.0.1")
    uri = daemon.register(Thingy, "example.async")
    print("URI example.async", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
