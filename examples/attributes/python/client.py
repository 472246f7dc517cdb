"""Our Python Pyro4 client for the attributes example: the attribute reads
and writes Pyro4's own attributes example client does, with the URI as an
argument, plus setting the read-only prop_sub.

usage: client.py URI
"""
import sys

import Pyro4


def expect_attribute_error(what, fn):
    try:
        fn()
    except AttributeError as x:
        print("ok, got expected error:", x)
    else:
        sys.exit("%s should not be possible" % what)


def main():
    uri = sys.argv[1]
    with Pyro4.Proxy(uri) as p:
        print("\nDirect attribute access:")
        print("p.prop_value=", p.prop_value)
        print("adding 500 to p.prop_value")
        p.prop_value += 500
        print("p.prop_value=", p.prop_value)
        print("actual remote value: ", p.getValue(), " (via p.getValue() remote method call)")
        try:
            print("calling p.__dunder__()....: ", p.__dunder__())
        except AttributeError as x:
            # a flint server never publishes names starting with "_"
            print("calling p.__dunder__()....: refused:", x)

    with Pyro4.Proxy(uri) as p:
        print("\nAccessing unexposed attributes:")
        for name in ("sub", "value", "_value", "__value"):
            print("accessing p.%s..." % name)
            expect_attribute_error("p." + name, lambda: getattr(p, name))

    with Pyro4.Proxy(uri) as p:
        print("\nTrying dotted name traversal:")
        value = p.prop_sub
        print("value gotten from p.prop_sub=", value)
        print("\nTrying to update the dictionary directly on the remote object...")
        p.prop_sub.update({"test": "nope"})  # updates a local copy only
        new_value = p.prop_sub
        print("value gotten from p.prop_sub=", new_value, "  (should be unchanged!)")
        assert new_value == value, "the remote dictionary changed"
        try:
            p.prop_sub.foobar.attribute
        except AttributeError as x:
            assert getattr(x, "_pyroTraceback", None) is None, "dotted names must not be resolved remotely"
            print("ok, got expected error (local only):", x)
        print("\nTrying to set the read-only p.prop_sub...")

        def set_sub():
            p.prop_sub = {"test": "nope"}
        expect_attribute_error("setting p.prop_sub", set_sub)


if __name__ == "__main__":
    main()
