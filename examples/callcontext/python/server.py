"""Our Python Pyro4 server for the callcontext example: the same EchoServer as
the Go server, on a daemon that adds the DDAA annotation to its replies and
uses the example's HMAC key, so the Go client can be run against real Pyro4.

usage: server.py [--until-eof]

Prints "URI <id> <uri>", then READY. With --until-eof it stops when its
standard input closes (the tests use that).
"""
import argparse
import sys
import threading

import Pyro4


@Pyro4.expose
class EchoServer(object):
    def echo(self, message):
        ctx = Pyro4.current_context
        lines = ["", "Got Message: %s" % message,
                 "  context.client:  %s" % (ctx.client_sock_addr,),
                 "  context.correlation_id: %s" % ctx.correlation_id]
        if "XYZZ" in ctx.annotations:
            lines.append("  custom annotation 'XYZZ': %s" % ctx.annotations["XYZZ"])
        print("\n".join(lines))  # one write: oneway calls print from other threads
        return message

    @Pyro4.oneway
    def oneway(self, message):
        return self.echo(message)


class AnnotatingDaemon(Pyro4.Daemon):
    def annotations(self):
        return {"DDAA": b"custom response annotation set by the daemon"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until-eof", action="store_true")
    opts = ap.parse_args()
    daemon = AnnotatingDaemon(host="127.0.0.1")
    daemon._pyroHmacKey = b"secr3t_k3y"
    uri = daemon.register(EchoServer, "example.context")
    print("URI example.context", uri)
    print("READY", flush=True)
    if opts.until_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), daemon.shutdown()), daemon=True).start()
    daemon.requestLoop()
    daemon.close()


if __name__ == "__main__":
    main()
