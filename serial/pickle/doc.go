// Package pickle is an opt-in plugin that lets flint talk to Pyro4 peers
// using the pickle serializer (id 4). Nothing in flint imports it.
//
// # Why pickle is dangerous
//
// A pickle is a program for a small stack machine, and that machine can
// import any module and call any function: the Python side of a
// connection that accepts pickle hands code execution to whoever can send
// it a message (pickle.loads of "os.system" plus "rm -rf /" does just that).
// Pyro4 therefore disables it by default, and flint's safe codec list
// (serial/codecs) leaves it out.
//
// This package decodes with github.com/kisielk/og-rek, which never imports
// or calls anything: class references and calls come out as inert
// descriptions. On top of that, a pre-scan of the opcode stream refuses
// every opcode that names a class, builds an object or loads a persistent
// reference, before og-rek sees the input. Decoding can therefore not run
// code on the Go side. It does nothing for a Python peer that unpickles
// what flint sends, and it does not make an untrusted peer safe to talk to
// in general; use pickle only with peers you trust, and prefer the safe
// codecs.
//
// Using it takes two deliberate steps: register [Unsafe] (for example
// codecs.Registry(pickle.Unsafe())) and put "pickle" on the program's
// serializer allow-list.
//
// # What is accepted
//
// Decoding yields only plain data of the value model: None, bool, int
// (int64 or *big.Int), float, str, bytes and bytearray ([]byte), list,
// tuple, dict (*value.Dict) and set. Sets and complex numbers exist in
// pickle only as calls of builtins.set, builtins.frozenset and
// builtins.complex; those three calls, with a list or two numbers as
// arguments, are recognised as data and nothing else is. Every other class
// reference, call, object build or persistent reference is refused with an
// error wrapping serial.ErrUnsupported.
//
// og-rek does not implement some opcodes of protocols 4 and 5 (EMPTY_SET,
// ADDITEMS, FROZENSET, NEWOBJ, LONG4, BINUNICODE8, BINBYTES8); pickles
// using them are refused. In particular CPython writes sets with EMPTY_SET
// from protocol 4 on, and Pyro4 pickles with pickle.HIGHEST_PROTOCOL (5),
// so a set from a Pyro4 peer does not decode. og-rek keeps no dict order,
// so decoded dict items are sorted (by type, then value) to make the
// result deterministic, and encoded dicts reach Python in arbitrary order.
//
// Encoding writes plain data with og-rek's encoder at pickle protocol 4:
// tuples, lists, dicts, str, bytes ([]byte), ints, floats, bool and None
// natively, value.Set as builtins.set(list), complex as
// builtins.complex(re, im), value.Decimal and value.UUID as str (as Pyro4's
// other serializers send them). time.Time, value.Date and value.Ext are
// refused.
//
// # Invariants
//
//   - Input longer than Limits.MaxBytes is refused before it is read.
//   - The pre-scan walks the opcode stream once, simulating og-rek's stack:
//     it refuses unknown and forbidden opcodes, declared lengths that pass
//     the end of the input, nesting deeper than Limits.MaxDepth (og-rek
//     hashes tuple dict keys recursively and would otherwise overflow the
//     goroutine stack, which kills the process), more than Limits.MaxItems
//     container elements, and list-copy work beyond a multiple of
//     MaxItems. Only then does og-rek run.
//   - The conversion to the value model bounds depth, items and bytes
//     again on the decoded graph, which can share and even contain itself
//     through the pickle memo; a cycle is an ErrLimit, never a hang.
//   - A panic inside og-rek is recovered and reported as ErrMalformed.
//   - Strings must be valid UTF-8. Bytes are copied (og-rek holds them as
//     strings), so results never alias the input.
//   - Bytes after the STOP opcode are ignored, as Python's pickle.loads
//     ignores them.
package pickle
