// Package callcontext is the object of flint's callcontext example, the Go
// port of Pyro4's examples/callcontext: an EchoServer that prints what it
// knows about each call (the caller's identity, the correlation id, custom
// annotations) and adds a custom annotation to its reply.
//
// A method learns about its call with secure.CallInfoFrom(ctx). Outgoing
// calls made with the method's ctx carry the same correlation id, so one id
// follows a request through nested calls.
package callcontext

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/flintrpc/flint/secure"
)

// ObjectID is the id the server registers the EchoServer under.
const ObjectID = "example.context"

// HMACKey is the shared key of Pyro4's example (_pyroHmacKey). It is a
// demonstration value: a real key comes from FLINT_HMAC_KEY_FILE.
const HMACKey = "secr3t_k3y"

// ReplyAnnotation is the custom annotation the server puts on its replies.
const ReplyAnnotation = "DDAA"

// EchoServer echoes messages and reports on the call.
type EchoServer struct {
	// Out receives the server's console messages; nil means os.Stdout.
	Out io.Writer
}

// Echo prints the call's context and returns message; the reply carries
// the DDAA annotation.
func (e *EchoServer) Echo(ctx context.Context, message string) string {
	w := e.Out
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintln(w, "\nGot Message:", message)
	if ci, ok := secure.CallInfoFrom(ctx); ok {
		fmt.Fprintln(w, "  context.client: ", ci.Peer.String())
		fmt.Fprintln(w, "  context.object: ", ci.Object)
		fmt.Fprintln(w, "  context.correlation_id:", ci.CorrelationID)
		if v, ok := ci.Annotations["XYZZ"]; ok {
			fmt.Fprintf(w, "  custom annotation 'XYZZ': %q\n", v)
		}
		ci.SetReplyAnnotation(ReplyAnnotation, []byte("custom response annotation set by the daemon"))
	}
	return message
}

// Oneway echoes without a reply.
func (e *EchoServer) Oneway(ctx context.Context, message string) {
	e.Echo(ctx, message)
}

// Register publishes e on d as "example.context".
func Register(d *secure.Daemon, e *EchoServer) (secure.URI, error) {
	return d.Register(e, secure.WithID(ObjectID), secure.Expose("Echo", "Oneway"), secure.Oneway("oneway"))
}
