"""Our Python Pyro4 server for the timeout example: the same TimeoutServer as
the Go server on a served daemon, and another on a daemon that is never
served, so the Go client can be run against real Pyro4.

usage: server.py [--until-eof]

Prints "URI <id> <uri>" for both objects, then READY. With --until-eof it
stops when its standard input closes (the tests use that).
"""
import argparse
import sys
import threading
import time

import Pyro4


@Pyro4.expose
class TimeoutServer(object):
    def delay(self, amount):
        print("sleeping %s" % amount)
        time.sleep(amount)
        print("done.")
        return "slept %s seconds" % amount


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    Pyro4.config.COMMTIMEOUT = 0
    daemon = Pyro4.Daemon(host="127.0.0.1")
    frozen = Pyro4.Daemon(host="127.0.0.1")  # never runs its request loop
    print("URI example.timeout", daemon.register(TimeoutServer(), "example.timeout"))
    print("URI example.timeout.frozendaemon", frozen.register(TimeoutServer(), "example.timeout.frozendaemon"))
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()
    frozen.close()


if __name__ == "__main__":
    main()
