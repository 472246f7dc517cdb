"""Our Python Pyro4 client for the exceptions example: the calls Pyro4's own
exceptions example client makes. It prints the last remote traceback
instead of dying with it.

usage: client.py [URI]

URI defaults to PYRONAME:example.exceptions (the name server is found as
Pyro4 finds it: PYRO_NS_HOST, PYRO_NS_PORT or broadcast).
"""
import sys

import Pyro4
import Pyro4.util


def main():
    test = Pyro4.Proxy(sys.argv[1] if len(sys.argv) > 1 else "PYRONAME:example.exceptions")
    print(test.div(2.0, 9.0))
    try:
        print(2 // 0)
    except ZeroDivisionError as x:
        print("local DIVIDE BY ZERO: %s" % x)
    try:
        print(test.div(2, 0))
    except ZeroDivisionError as x:
        print("DIVIDE BY ZERO: %s" % x)
    try:
        result = test.error()
        print("%r, %s" % (result, result))
    except ValueError as x:
        print("VALUERROR: %s" % x)
    result = test.error2()
    print("%r, %s" % (result, result))
    try:
        result = test.othererr()
        print("%r, %s" % (result, result))
    except Exception as x:
        print("ANOTHER ERROR: %s" % x)
    try:
        result = test.unserializable()
        print("%r, %s" % (result, result))
    except Exception as x:
        print("UNSERIALIZABLE ERROR: %s" % x)

    print("\n*** invoking server method that crashes, catching traceback ***")
    try:
        print(test.complexerror())
    except Exception as x:
        print("CAUGHT ERROR  >>> %s" % x)
        print("Printing Pyro traceback >>>>>>")
        print("".join(Pyro4.util.getPyroTraceback()))
        print("<<<<<<< end of Pyro traceback")
    test._pyroRelease()


if __name__ == "__main__":
    main()
