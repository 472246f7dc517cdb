"""Our Python Pyro4 server for the instancemode example: the same three
objects as the Go server, so the Go client can be run against real Pyro4.
Instances are numbered from 1 (Pyro4's example returns id(self)).

usage: server.py [--until-eof]

Prints "URI <id> <uri>" per object, then READY. With --until-eof it stops
when its standard input closes (the tests use that).
"""
import argparse
import itertools
import sys
import threading

import Pyro4

numbers = itertools.count(1)


class Numbered(object):
    def __init__(self):
        self.number = next(numbers)


@Pyro4.behavior(instance_mode="single")
class SingleInstance(Numbered):
    @Pyro4.expose
    def msg(self, message):
        print("[%d] SingleInstance.msg: %s" % (self.number, message))
        return self.number


@Pyro4.behavior(instance_mode="session", instance_creator=lambda cls: cls.create())
class SessionInstance(Numbered):
    @classmethod
    def create(cls):
        obj = cls()
        obj.correlation_id = str(Pyro4.current_context.correlation_id)
        return obj

    @Pyro4.expose
    def msg(self, message):
        print("[%d] SessionInstance.msg: %s" % (self.number, message))
        return self.number, self.correlation_id


@Pyro4.behavior(instance_mode="percall")
class PercallInstance(Numbered):
    @Pyro4.expose
    def msg(self, message):
        print("[%d] PercallInstance.msg: %s" % (self.number, message))
        return self.number


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    daemon = Pyro4.Daemon(host="127.0.0.1")
    for cls, name in ((SingleInstance, "instance.single"), (SessionInstance, "instance.session"),
                      (PercallInstance, "instance.percall")):
        print("URI", name, daemon.register(cls, name))
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
