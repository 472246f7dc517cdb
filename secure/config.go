package secure

import (
	"fmt"
	"os"
	"strconv"

	"github.com/flintrpc/flint/policy"
)

// Environment variables read by DaemonConfigFromEnv and ProxyConfigFromEnv,
// besides the policy's (see policy.FromEnv).
const (
	EnvHost       = "FLINT_HOST"
	EnvPort       = "FLINT_PORT"
	EnvSerializer = "FLINT_SERIALIZER"
)

// DaemonConfigFromEnv returns a daemon configuration from FLINT_HOST,
// FLINT_PORT and the policy variables (FLINT_TLS_*, FLINT_INSECURE,
// FLINT_HMAC_*, FLINT_SERIALIZERS_ACCEPTED, ...).
func DaemonConfigFromEnv() (DaemonConfig, error) {
	var cfg DaemonConfig
	pol, err := policy.FromEnv(nil)
	if err != nil {
		return cfg, err
	}
	cfg.Policy = pol
	cfg.Host = os.Getenv(EnvHost)
	if s := os.Getenv(EnvPort); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 65535 {
			return cfg, fmt.Errorf("flint: %s=%q is not a port", EnvPort, s)
		}
		cfg.Port = n
	}
	return cfg, nil
}

// ProxyConfigFromEnv returns a proxy configuration from FLINT_SERIALIZER and
// the policy variables.
func ProxyConfigFromEnv() (ProxyConfig, error) {
	var cfg ProxyConfig
	pol, err := policy.FromEnv(nil)
	if err != nil {
		return cfg, err
	}
	cfg.Policy = pol
	cfg.Serializer = os.Getenv(EnvSerializer)
	return cfg, nil
}
