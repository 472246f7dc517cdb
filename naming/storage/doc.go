// Package storage holds the name server's registrations: a name mapped to a
// URI string and a set of metadata tags.
//
// [Storage] is the contract between the name server and a backend. It is
// written so that a networked store (etcd, for example) fits behind it
// without changes to the name server:
//
//   - every call takes a context and returns an error;
//   - conditional writes go through [Storage.Update], a read-decide-write
//     step that the backend runs atomically (a transaction here, a
//     compare-and-swap retry loop in an optimistic backend), so the name
//     server never needs a lock of its own;
//   - [Storage.Range] hands out a consistent snapshot, in name order.
//
// Two backends are provided: [Memory] (the default, like Pyro4's
// MemoryStorage) and [Bolt], a bbolt file whose writes are transactions,
// so a crash loses nothing that was acknowledged. [Open] picks one from a
// pyro4-ns style specification ("memory", "bolt:PATH").
//
// # Invariants
//
//   - A write is acknowledged (its call returns nil) only after it is
//     durable in the backend: for Bolt, after the transaction holding it
//     has been committed and synced.
//   - Entry.Meta is always sorted and free of duplicates ([NormalizeMeta]).
//   - Decoding a stored entry never panics, whatever the bytes
//     ([DecodeEntry]); a damaged entry is reported as [ErrCorrupt].
//   - Names are non-empty; the backend does not interpret them otherwise.
package storage
