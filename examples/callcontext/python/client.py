"""Our Python Pyro4 client for the callcontext example: the calls Pyro4's own
callcontext example client makes (a correlation id, custom annotations both
ways, the HMAC key), with the URI as an argument and without prompting.

usage: client.py URI
"""
import sys
import uuid

import Pyro4


class AnnotatingProxy(Pyro4.Proxy):
    """A proxy that adds our annotation and prints the replies' (the way
    before Pyro 4.56)."""

    def __init__(self, uri):
        super(AnnotatingProxy, self).__init__(uri)
        self._pyroHmacKey = b"secr3t_k3y"

    def _pyroAnnotations(self):
        return {"XYZZ": b"Hello, I am a custom annotation from the proxy!"}

    def _pyroResponseAnnotations(self, annotations, msgtype):
        print("    Got response (msgtype=%d). Annotations:" % msgtype)
        for key in sorted(annotations):
            if key == "CORR":
                value = uuid.UUID(bytes=annotations[key])
            elif key == "HMAC":
                value = "[...]"
            else:
                value = annotations[key]
            print("      %s -> %s" % (key, value))


def main():
    uri = sys.argv[1]
    Pyro4.current_context.correlation_id = uuid.uuid4()
    print("correlation id set to:", Pyro4.current_context.correlation_id)

    print("\n------- annotations via a proxy subclass -----\n")
    with AnnotatingProxy(uri) as proxy:
        print("Sending a few messages using one proxy...")
        for i in range(4):
            proxy.echo("hello-%d" % i)
    for i in range(3):
        print("Sending one message from new proxy...")
        with AnnotatingProxy(uri) as p:
            p.echo("hello-proxy-%d" % i)
    with AnnotatingProxy(uri) as proxy:
        print("Sending a oneway message... (no response, so no annotations)")
        proxy.oneway("hello-ONEWAY-1")
        print("Asynchronous message...")
        proxy._pyroAsync()
        proxy.echo("hello-ASYNC").value

    print("\n------- annotations via the call context -----\n")
    with Pyro4.Proxy(uri) as proxy:
        proxy._pyroHmacKey = b"secr3t_k3y"
        Pyro4.current_context.annotations = {"XYZZ": b"custom annotation from client via new way(1)"}
        proxy.echo("hi there - new method of annotation access in client")
        print("Annotations in response were: ", Pyro4.current_context.response_annotations)
        Pyro4.current_context.annotations = {"XYZZ": b"custom annotation from client via new way(2)"}
        proxy.oneway("hi there ONEWAY - new method of annotation access in client")
        print("Annotations in response were: ", Pyro4.current_context.response_annotations)
        print("   (should be empty because oneway!)")
    print("\nSee the console output on the server for more results.")


if __name__ == "__main__":
    main()
