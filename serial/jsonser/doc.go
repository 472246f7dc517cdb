// Package jsonser is flint's codec for Pyro4's "json" serializer (id 2).
//
// Pyro4 writes its payloads with Python's json.dumps(obj, ensure_ascii=False)
// encoded as UTF-8 and reads them with json.loads. This package reproduces
// both sides exactly, which encoding/json cannot do: Pyro4's JSON has
// ordered objects, ints of any size, the non-standard NaN, Infinity and
// -Infinity tokens, and Python's float repr.
//
// # Encoding
//
// The output is byte for byte what Python writes for the same value: the
// separators ", " and ": ", floats as Python's repr (value.AppendFloatRepr),
// non-finite floats as NaN/Infinity/-Infinity, ints of any size as plain
// digits, and strings with only '"', '\\' and control characters below 0x20
// escaped (\n \r \t \b \f in short form, the others as \u00XX with lowercase
// hex; everything else, including non-ASCII, is written raw).
//
// Values map as in Pyro4: value.Tuple, value.Set and []any become arrays,
// *value.Dict becomes an object in insertion order, value.UUID and
// value.Decimal become their string forms, value.Date and time.Time become
// ISO 8601 strings as Python's isoformat writes them (a time.Time in
// time.Local is written as a naive datetime, any other location with its UTC
// offset). Dict keys are converted as json.dumps converts them: str as is,
// int and float as their repr, True/False/None as "true"/"false"/"null";
// any other key type is refused. []byte, complex numbers and value.Ext are
// refused with [serial.ErrUnsupported], as Pyro4 cannot send them either.
// Ints of more than 4300 digits are refused because Python 3.11 can neither
// write nor read them (sys.int_info.default_max_str_digits). Go's other
// integer kinds and float32 are accepted. A nil *value.Dict is written as
// null and a nil []any as [].
//
// # Decoding
//
// Decoding follows json.loads: strict JSON (no trailing commas, no
// comments, no control characters inside strings, whitespace is only space,
// tab, CR and LF) plus the NaN, Infinity and -Infinity tokens. Integers
// become int64, or *big.Int when they do not fit; numbers with a fraction or
// exponent become float64 (out-of-range exponents give ±Inf or 0, as in
// Python). Objects become *value.Dict in wire order; a repeated key keeps
// its first position and takes the last value, as a Python dict does.
// Arrays become []any.
//
// # Invariants
//
//   - Unmarshal never panics. Nesting is bounded by [serial.Limits.MaxDepth]
//     (capped at 10000 whatever the limit says), the number of array items
//     plus object members by MaxItems, and the bytes of decoded strings by
//     MaxBytes; each is checked before the memory it guards is allocated.
//   - Number literals are bounded: an int of more than 4300 digits (Python's
//     own limit) or any number literal longer than 4400 bytes is refused with
//     [serial.ErrLimit], so a huge literal cannot cost quadratic time.
//   - Input that is not valid UTF-8 is refused, as Pyro4's
//     data.decode("utf-8") refuses it; so is a leading byte order mark.
//   - A decoded string is always valid UTF-8. A \u escape of a lone
//     surrogate (one not part of a high+low pair) is refused with
//     [serial.ErrMalformed]. Python's json.loads would accept it, but a Go
//     string cannot hold it, and a Pyro4 peer can never send one: its own
//     json.dumps output would fail to encode to UTF-8.
//   - Decoding then encoding a payload that Python wrote gives back the same
//     bytes.
package jsonser
