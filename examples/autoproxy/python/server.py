"""Our Python Pyro4 server for the autoproxy example: the same Factory as the
Go server, so the Go client can be run against real Pyro4.

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
    def __init__(self, number):
        self.number = number

    def speak(self, message):
        print("Thingy {0} says: {1}".format(self.number, message))


@Pyro4.expose
class Factory(object):
    def createSomething(self, number):
        thing = Thingy(number)
        self._pyroDaemon.register(thing)
        return thing  # registered, so the caller gets a proxy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    daemon = Pyro4.Daemon(host="127.0.0.1")
    uri = daemon.register(Factory(), "example.autoproxy")
    print("URI example.autoproxy", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
