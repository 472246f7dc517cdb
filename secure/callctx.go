package secure

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/flintrpc/flint/auth"
	"github.com/flintrpc/flint/value"
)

// CallInfo describes the call a method is running for. Methods read it with
// [CallInfoFrom]. It is also how a method sets annotations on its reply.
type CallInfo struct {
	// Peer is what the caller proved: certificate identity, Unix
	// credentials, HMAC.
	Peer auth.Identity
	// Object and Method name the call.
	Object, Method string
	// CorrelationID is Pyro4's CORR: the caller's, or a fresh one.
	CorrelationID value.UUID
	// Annotations are the request's custom annotations (not CORR or MACs).
	Annotations map[string][]byte
	// Session is data kept for the caller's connection, shared by all calls
	// on it and dropped when it closes.
	Session *SessionData

	mu       sync.Mutex
	reply    map[string][]byte
	hasReply atomic.Bool // reply is not empty
}

// SetReplyAnnotation adds a custom annotation (a 4-character key) to the
// reply of this call, like Pyro4's current_context.response_annotations.
func (c *CallInfo) SetReplyAnnotation(key string, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reply == nil {
		c.reply = map[string][]byte{}
	}
	c.reply[key] = v
	c.hasReply.Store(true)
}

// replyAnnotations returns a copy of the annotations set for the reply
// (a goroutine the method started may still be setting them), or nil.
func (c *CallInfo) replyAnnotations() map[string][]byte {
	if !c.hasReply.Load() {
		return nil // the common case, without the lock
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.reply)
}

// SessionData is a per-connection key/value store, safe for concurrent use.
type SessionData struct {
	mu sync.Mutex
	m  map[string]any
}

// Get returns the value stored under key.
func (s *SessionData) Get(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok
}

// Set stores v under key.
func (s *SessionData) Set(key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]any{}
	}
	s.m[key] = v
}

type callInfoKey struct{}

// callCtx is the context a method runs with: its parent's, carrying the
// call's CallInfo, in one allocation where context.WithValue and a
// separate CallInfo take two. Done, Err and Deadline are the parent's, so
// contexts derived from it see the parent's cancellation directly.
type callCtx struct {
	context.Context
	info CallInfo
}

// Value returns the CallInfo for callInfoKey and asks the parent for any
// other key.
func (c *callCtx) Value(key any) any {
	if _, ok := key.(callInfoKey); ok {
		return &c.info
	}
	return c.Context.Value(key)
}

// CallInfoFrom returns the call information of the call ctx belongs to.
func CallInfoFrom(ctx context.Context) (*CallInfo, bool) {
	ci, ok := ctx.Value(callInfoKey{}).(*CallInfo)
	return ci, ok
}

type corrKey struct{}

// WithCorrelationID returns a context whose outgoing calls carry id as
// Pyro4's CORR annotation. Inside a method, outgoing calls made with the
// method's context carry the incoming id automatically.
func WithCorrelationID(ctx context.Context, id value.UUID) context.Context {
	return context.WithValue(ctx, corrKey{}, id)
}

func correlationFrom(ctx context.Context) (value.UUID, bool) {
	if id, ok := ctx.Value(corrKey{}).(value.UUID); ok {
		return id, true
	}
	if ci, ok := CallInfoFrom(ctx); ok {
		return ci.CorrelationID, true
	}
	return value.UUID{}, false
}

type annKey struct{}

// WithAnnotations returns a context whose outgoing calls carry the given
// custom annotations (4-character keys), like Pyro4's proxy
// _pyroAnnotations.
func WithAnnotations(ctx context.Context, anns map[string][]byte) context.Context {
	return context.WithValue(ctx, annKey{}, anns)
}

func annotationsFrom(ctx context.Context) map[string][]byte {
	a, _ := ctx.Value(annKey{}).(map[string][]byte)
	return a
}
