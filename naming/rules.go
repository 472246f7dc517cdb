package naming

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/flintrpc/flint/auth"
)

// Action is a name server operation that rules can allow.
type Action string

// The actions. A rule listing "*" allows all of them.
const (
	// ActionLookup allows lookup of a name and seeing it in list results
	// (and resolving it as PYRONAME/PYROMETA).
	ActionLookup Action = "lookup"
	// ActionRegister allows registering a name that does not exist yet.
	ActionRegister Action = "register"
	// ActionOverwrite allows registering over an existing name.
	ActionOverwrite Action = "overwrite"
	// ActionRemove allows removing a name.
	ActionRemove Action = "remove"
	// ActionSetMetadata allows changing a name's metadata.
	ActionSetMetadata Action = "set_metadata"
	// ActionAll stands for every action in a rule.
	ActionAll Action = "*"
)

var allActions = []Action{ActionLookup, ActionRegister, ActionOverwrite, ActionRemove, ActionSetMetadata}

// ErrBadRule is wrapped by errors from ParseRule and ParseRules.
var ErrBadRule = errors.New("naming: bad rule")

// Rule allows peers matching Peer (or every peer, with Everyone) to perform
// Actions on the names matching Names.
//
// Names is a pattern in which each '*' matches any run of characters
// (possibly empty), such as "svc.billing.*"; no other character is
// special. Peer uses package auth's criteria (certificate CN, DNS name,
// SPIFFE ID, fingerprint, Unix uid/gid, HMAC proof, any, anonymous).
type Rule struct {
	Peer     auth.PeerMatcher
	Everyone bool // every peer the connection gate admitted, anonymous or not
	Names    string
	Actions  []Action
}

// Rules decide who may do what to which names. An empty Rules allows every
// admitted peer everything; as soon as it holds a rule, an action needs a
// rule that allows it. Whatever the rules say, nobody may overwrite,
// remove or change the metadata of the name server's own entry
// (Pyro.NameServer).
type Rules []Rule

// Match reports whether r allows id to perform a on name.
func (r Rule) Match(id auth.Identity, name string, a Action) bool {
	if !slices.Contains(r.Actions, a) && !slices.Contains(r.Actions, ActionAll) {
		return false
	}
	if !globMatch(r.Names, name) {
		return false
	}
	return r.Everyone || r.Peer.Match(id)
}

// Allow reports whether the rules allow id to perform a on name.
func (rs Rules) Allow(id auth.Identity, name string, a Action) bool {
	if len(rs) == 0 {
		return true
	}
	for _, r := range rs {
		if r.Match(id, name, a) {
			return true
		}
	}
	return false
}

// Validate reports why r can never match: an empty name pattern, no
// actions, an unknown action, or no peer criterion without Everyone.
func (r Rule) Validate() error {
	if r.Names == "" {
		return fmt.Errorf("%w: empty name pattern", ErrBadRule)
	}
	if len(r.Actions) == 0 {
		return fmt.Errorf("%w: no actions", ErrBadRule)
	}
	for _, a := range r.Actions {
		if a != ActionAll && !slices.Contains(allActions, a) {
			return fmt.Errorf("%w: unknown action %q (want lookup, register, overwrite, remove, set_metadata or *)", ErrBadRule, a)
		}
	}
	if r.Everyone {
		if !r.Peer.IsZero() {
			return fmt.Errorf("%w: '*' (everyone) cannot be combined with peer criteria", ErrBadRule)
		}
		return nil
	}
	if r.Peer.IsZero() {
		return fmt.Errorf("%w: no peer criterion", ErrBadRule)
	}
	return nil
}

// ParseRule parses "PEER:NAMES:ACTIONS", for example
//
//	cn=billing:billing.*:register,overwrite,remove,set_metadata
//	spiffe=spiffe://example.org/ns-admin/*:*:*
//	uid=1000:user1000.*:*
//	*:*:lookup
//
// PEER is "*" for every admitted peer, or criteria joined by '&' in package
// auth's syntax (cn=, dns=, spiffe=, fp=, uid=, gid=, hmac, any,
// anonymous). NAMES is a '*' pattern; ACTIONS a comma list of lookup,
// register, overwrite, remove, set_metadata, or "*".
func ParseRule(s string) (Rule, error) {
	var r Rule
	rest, actions, ok := cutLast(s, ':')
	if !ok {
		return r, fmt.Errorf("%w: want peer:names:actions", ErrBadRule)
	}
	peer, names, ok := cutLast(rest, ':')
	if !ok {
		return r, fmt.Errorf("%w: want peer:names:actions", ErrBadRule)
	}
	r.Names = strings.TrimSpace(names)
	for a := range strings.SplitSeq(actions, ",") {
		r.Actions = append(r.Actions, Action(strings.TrimSpace(a)))
	}
	peer = strings.TrimSpace(peer)
	if peer == "*" {
		r.Everyone = true
	} else {
		// The peer syntax is package auth's; borrow its parser.
		ar, err := auth.ParseRule(peer + ":x:x")
		if err != nil {
			return Rule{}, fmt.Errorf("%w: %w", ErrBadRule, err)
		}
		r.Peer = ar.Peer
	}
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// ParseRules parses rules separated by ';' or newlines; blank entries and
// lines starting with '#' are skipped.
func ParseRules(s string) (Rules, error) {
	var rs Rules
	for i, line := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := ParseRule(line)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// String returns r in ParseRule's syntax.
func (r Rule) String() string {
	peer := "*"
	if !r.Everyone {
		peer = r.Peer.String()
	}
	acts := make([]string, len(r.Actions))
	for i, a := range r.Actions {
		acts[i] = string(a)
	}
	return peer + ":" + r.Names + ":" + strings.Join(acts, ",")
}

func cutLast(s string, sep byte) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// globMatch reports whether name matches pattern, where '*' matches any
// run of bytes. It backtracks only to the last star, so it runs in
// O(len(pattern)*len(name)) time at worst.
func globMatch(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
