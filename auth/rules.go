package auth

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Rule says that peers matching Peer may call the listed Methods of the
// objects matching Object.
//
// Object is an exact object id, or a pattern in which each '*' matches any
// run of characters (possibly empty): "example.*", "*". No other character
// is special. Methods holds exact method names, or "*" for every method.
//
// A Rule fails closed: an empty Object, an empty Methods list or a
// [PeerMatcher] that names no criterion matches nothing.
type Rule struct {
	Peer    PeerMatcher
	Object  string
	Methods []string
}

// PeerMatcher selects peers by identity. Every criterion that is set must
// match; a matcher that sets no criterion matches no one.
type PeerMatcher struct {
	CommonName  string  // exact certificate common name
	DNSName     string  // one of the certificate's DNS names (ASCII case-insensitive)
	SPIFFEID    string  // exact SPIFFE ID, or a prefix when it ends with "/*"
	Fingerprint string  // SHA-256 of the certificate, hex (case and ':' separators ignored)
	UID         *uint32 // Unix-socket peer user id
	GID         *uint32 // Unix-socket peer group id
	HMAC        bool    // the peer proved the shared HMAC key (strong mode)
	Any         bool    // any peer that proved something (not anonymous)
	Anonymous   bool    // only peers that proved nothing
}

// Rules is a list of rules. An empty list allows everything; as soon as it
// holds one rule, everything not allowed by some rule is denied.
type Rules []Rule

// IsZero reports whether p names no criterion (and so matches no one).
func (p PeerMatcher) IsZero() bool {
	return p.CommonName == "" && p.DNSName == "" && p.SPIFFEID == "" && p.Fingerprint == "" &&
		p.UID == nil && p.GID == nil && !p.HMAC && !p.Any && !p.Anonymous
}

// Match reports whether id satisfies every criterion set in p.
func (p PeerMatcher) Match(id Identity) bool {
	if p.IsZero() {
		return false
	}
	if p.Anonymous && !id.IsAnonymous() {
		return false
	}
	if p.Any && id.IsAnonymous() {
		return false
	}
	if p.HMAC && !id.HMAC {
		return false
	}
	if p.CommonName != "" && p.CommonName != id.CommonName {
		return false
	}
	if p.DNSName != "" && !containsFold(id.DNSNames, p.DNSName) {
		return false
	}
	if p.SPIFFEID != "" && !matchSPIFFE(p.SPIFFEID, id.SPIFFEID) {
		return false
	}
	if p.Fingerprint != "" {
		want, got := normFingerprint(p.Fingerprint), normFingerprint(id.Fingerprint)
		if want == "" || want != got {
			return false
		}
	}
	if p.UID != nil && (id.Unix == nil || id.Unix.UID != *p.UID) {
		return false
	}
	if p.GID != nil && (id.Unix == nil || id.Unix.GID != *p.GID) {
		return false
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if asciiEqualFold(x, s) {
			return true
		}
	}
	return false
}

// asciiEqualFold compares ASCII letters case-insensitively and every other
// byte exactly (unlike strings.EqualFold, which also folds Unicode).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func matchSPIFFE(pattern, id string) bool {
	if id == "" {
		return false
	}
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok && strings.HasSuffix(prefix, "/") {
		return len(id) > len(prefix) && strings.HasPrefix(id, prefix)
	}
	return pattern == id
}

func normFingerprint(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, ":", ""))
}

// Match reports whether the rule allows id to call method on object.
func (r Rule) Match(id Identity, object, method string) bool {
	if r.Object == "" || !globMatch(r.Object, object) {
		return false
	}
	methodOK := false
	for _, m := range r.Methods {
		if m == "*" || m == method {
			methodOK = true
			break
		}
	}
	return methodOK && r.Peer.Match(id)
}

// globMatch reports whether name matches pattern, where '*' matches any
// run of bytes. It runs in O(len(pattern)*len(name)) time at worst.
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
			mark++
			n = mark
			p = star + 1
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Allow reports whether the rules let id call method on object: true when
// there are no rules at all, otherwise true exactly when some rule matches.
func (r Rules) Allow(id Identity, object, method string) bool {
	if len(r) == 0 {
		return true
	}
	for _, rule := range r {
		if rule.Match(id, object, method) {
			return true
		}
	}
	return false
}

// Check is [Rules.Allow] as an error: nil when allowed, otherwise an error
// wrapping [ErrDenied] that names the peer, object and method (quoted, as
// they come from the peer). Do not send its text to the peer.
func (r Rules) Check(id Identity, object, method string) error {
	if r.Allow(id, object, method) {
		return nil
	}
	return fmt.Errorf("%w: %s may not call %q on object %q", ErrDenied, id, method, object)
}

// Validate reports (wrapping [ErrBadRule]) why a rule can never match or is
// ambiguous: no peer criterion, Any together with Anonymous, Anonymous with
// an identity criterion, an empty object or method list, a method pattern
// other than "*" containing '*', a SPIFFE pattern that does not start with
// "spiffe://" or uses '*' other than as a final "/*", or a fingerprint that
// is not 32 bytes of hex.
func (r Rule) Validate() error {
	p := r.Peer
	if p.IsZero() {
		return fmt.Errorf("%w: no peer criterion", ErrBadRule)
	}
	if p.Anonymous && (p.Any || p.HMAC || p.CommonName != "" || p.DNSName != "" || p.SPIFFEID != "" ||
		p.Fingerprint != "" || p.UID != nil || p.GID != nil) {
		return fmt.Errorf("%w: anonymous cannot be combined with other peer criteria", ErrBadRule)
	}
	if s := p.SPIFFEID; s != "" {
		if !strings.HasPrefix(s, "spiffe://") || len(s) == len("spiffe://") {
			return fmt.Errorf("%w: SPIFFE ID %q must start with spiffe://", ErrBadRule, s)
		}
		if i := strings.IndexByte(s, '*'); i >= 0 && (i != len(s)-1 || s[i-1] != '/') {
			return fmt.Errorf("%w: SPIFFE ID %q may use '*' only as a final \"/*\"", ErrBadRule, s)
		}
	}
	if fp := p.Fingerprint; fp != "" {
		b, err := hex.DecodeString(normFingerprint(fp))
		if err != nil || len(b) != 32 {
			return fmt.Errorf("%w: fingerprint must be 64 hex digits (SHA-256)", ErrBadRule)
		}
	}
	if r.Object == "" {
		return fmt.Errorf("%w: empty object", ErrBadRule)
	}
	if len(r.Methods) == 0 {
		return fmt.Errorf("%w: no methods", ErrBadRule)
	}
	for _, m := range r.Methods {
		if m == "" {
			return fmt.Errorf("%w: empty method name", ErrBadRule)
		}
		if m != "*" && strings.Contains(m, "*") {
			return fmt.Errorf("%w: method %q: '*' must stand alone", ErrBadRule, m)
		}
	}
	return nil
}

// ParseRule parses the compact text form of a rule, for environment
// variables and command lines:
//
//	rule      = peer ":" object ":" methods
//	peer      = criterion *( "&" criterion )
//	criterion = "any" | "anonymous" | "hmac"
//	          | "cn=" text | "dns=" text | "spiffe=" text | "fp=" hex
//	          | "uid=" decimal | "gid=" decimal
//	object    = text, '*' matching any run of characters
//	methods   = name *( "," name )      ; "*" for every method
//
// The object and methods are taken from the last two ':' of the string,
// so a criterion may contain ':' (spiffe://...) but an object id may not.
// Text may not contain '&', ';' or control characters; spaces around
// items are ignored. Each criterion may appear once. Examples:
//
//	cn=flint-client:example.*:get_fortune,ping
//	uid=1000:*:*
//	spiffe=spiffe://org/svc/*:Pyro.NameServer:register
//	cn=ops&uid=0:admin:shutdown
//
// The result passes [Rule.Validate]. Errors wrap [ErrBadRule].
func ParseRule(s string) (Rule, error) {
	var r Rule
	if err := checkRuleText(s); err != nil {
		return r, err
	}
	rest, methods, ok := cutLast(s, ':')
	if !ok {
		return r, fmt.Errorf("%w: want peer:object:methods", ErrBadRule)
	}
	peer, object, ok := cutLast(rest, ':')
	if !ok {
		return r, fmt.Errorf("%w: want peer:object:methods", ErrBadRule)
	}
	r.Object = strings.TrimSpace(object)
	for m := range strings.SplitSeq(methods, ",") {
		r.Methods = append(r.Methods, strings.TrimSpace(m))
	}
	seen := map[string]bool{}
	for c := range strings.SplitSeq(peer, "&") {
		c = strings.TrimSpace(c)
		name, val, hasVal := strings.Cut(c, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if seen[name] {
			return Rule{}, fmt.Errorf("%w: criterion %q given twice", ErrBadRule, name)
		}
		seen[name] = true
		if err := setCriterion(&r.Peer, name, val, hasVal); err != nil {
			return Rule{}, err
		}
	}
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	return r, nil
}

func checkRuleText(s string) error {
	for _, c := range s {
		if c < ' ' || c == 0x7f || c == ';' || (c >= 0x80 && c <= 0x9f) || c == utf8.RuneError {
			return fmt.Errorf("%w: control character, invalid UTF-8 or ';' in rule", ErrBadRule)
		}
	}
	return nil
}

func cutLast(s string, sep byte) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

func setCriterion(p *PeerMatcher, name, val string, hasVal bool) error {
	flag := func(dst *bool) error {
		if hasVal {
			return fmt.Errorf("%w: %q takes no value", ErrBadRule, name)
		}
		*dst = true
		return nil
	}
	if !hasVal && name != "any" && name != "anonymous" && name != "hmac" {
		return fmt.Errorf("%w: unknown peer criterion %q", ErrBadRule, name)
	}
	if hasVal && val == "" {
		return fmt.Errorf("%w: empty value for %q", ErrBadRule, name)
	}
	switch name {
	case "any":
		return flag(&p.Any)
	case "anonymous":
		return flag(&p.Anonymous)
	case "hmac":
		return flag(&p.HMAC)
	case "cn":
		p.CommonName = val
	case "dns":
		p.DNSName = val
	case "spiffe":
		p.SPIFFEID = val
	case "fp":
		p.Fingerprint = normFingerprint(val)
	case "uid", "gid":
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return fmt.Errorf("%w: %s=%q is not a 32-bit unsigned number", ErrBadRule, name, val)
		}
		v := uint32(n)
		if name == "uid" {
			p.UID = &v
		} else {
			p.GID = &v
		}
	default:
		return fmt.Errorf("%w: unknown peer criterion %q", ErrBadRule, name)
	}
	return nil
}

// ParseRules parses rules separated by ';' or newlines, each in the form
// of [ParseRule]. Blank entries are skipped. An error names the entry.
func ParseRules(s string) (Rules, error) {
	var rs Rules
	for i, line := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' || r == '\r' }) {
		if strings.TrimSpace(line) == "" {
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

// String returns the text form of the rule (see [ParseRule]), with the
// criteria in a fixed order. For a rule that ParseRule produced,
// ParseRule(r.String()) gives r back.
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString(r.Peer.String())
	b.WriteByte(':')
	b.WriteString(r.Object)
	b.WriteByte(':')
	b.WriteString(strings.Join(r.Methods, ","))
	return b.String()
}

// String returns the peer part of a rule's text form, criteria joined by
// '&' in a fixed order; "" for a matcher with no criterion.
func (p PeerMatcher) String() string {
	var c []string
	if p.Anonymous {
		c = append(c, "anonymous")
	}
	if p.Any {
		c = append(c, "any")
	}
	if p.HMAC {
		c = append(c, "hmac")
	}
	if p.CommonName != "" {
		c = append(c, "cn="+p.CommonName)
	}
	if p.DNSName != "" {
		c = append(c, "dns="+p.DNSName)
	}
	if p.SPIFFEID != "" {
		c = append(c, "spiffe="+p.SPIFFEID)
	}
	if p.Fingerprint != "" {
		c = append(c, "fp="+p.Fingerprint)
	}
	if p.UID != nil {
		c = append(c, "uid="+strconv.FormatUint(uint64(*p.UID), 10))
	}
	if p.GID != nil {
		c = append(c, "gid="+strconv.FormatUint(uint64(*p.GID), 10))
	}
	return strings.Join(c, "&")
}
