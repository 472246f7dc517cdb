package serpent

// intern returns the protocol's most frequent strings (the dict keys and
// class names of Pyro4's handshakes, URIs, exceptions and name-server
// replies) without allocating; any other string is copied from b.
func intern(b []byte) string {
	switch string(b) { // the compiler compares without converting
	case "__class__":
		return "__class__"
	case "state":
		return "state"
	case "Pyro4.core.URI":
		return "Pyro4.core.URI"
	case "PYRO":
		return "PYRO"
	case "localhost":
		return "localhost"
	case "127.0.0.1":
		return "127.0.0.1"
	case "handshake":
		return "handshake"
	case "object":
		return "object"
	case "meta":
		return "meta"
	case "methods":
		return "methods"
	case "oneway":
		return "oneway"
	case "attrs":
		return "attrs"
	case "hello":
		return "hello"
	case "__exception__":
		return "__exception__"
	case "args":
		return "args"
	case "kwargs":
		return "kwargs"
	case "attributes":
		return "attributes"
	case "Pyro.NameServer":
		return "Pyro.NameServer"
	case "Pyro.Daemon":
		return "Pyro.Daemon"
	case "":
		return ""
	}
	return string(b)
}
