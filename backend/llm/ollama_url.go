package llm

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/ollama/ollama/envconfig"
)

// DefaultOllamaURL is where Ollama listens unless the person says otherwise: OLLAMA_HOST read the
// way Ollama reads it (host, host:port or scheme://host:port/path), else http://127.0.0.1:11434.
func DefaultOllamaURL() string {
	return clientURL(envconfig.Host()).String()
}

// ParseOllamaURL reads an Ollama address with the same meaning as OLLAMA_HOST: a bare host or
// host:port means http with port 11434 by default; with a scheme the default port is the
// scheme's. Unlike Ollama, which falls back to defaults, bad input is an error saying what to
// write instead. An empty string means DefaultOllamaURL.
func ParseOllamaURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return url.Parse(DefaultOllamaURL())
	}
	scheme, hostport, hasScheme := strings.Cut(s, "://")
	defaultPort := "11434"
	switch {
	case !hasScheme:
		scheme, hostport = "http", s
	case scheme == "http":
		defaultPort = "80"
	case scheme == "https":
		defaultPort = "443"
	default:
		return nil, fmt.Errorf("the Ollama URL %q: scheme %q is not supported; use http:// or https://", raw, scheme)
	}
	hostport, path, _ := strings.Cut(hostport, "/")
	if strings.ContainsAny(hostport, "@?#") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("the Ollama URL %q: credentials, queries and fragments are not supported; use the form http://host:port", raw)
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		// No port (or not host:port at all): the whole thing is the host.
		host, port = strings.Trim(hostport, "[]"), defaultPort
	}
	if host == "" {
		return nil, fmt.Errorf("the Ollama URL %q has no host; use the form http://host:port, e.g. http://127.0.0.1:11434", raw)
	}
	if strings.ContainsAny(host, " /[]") {
		return nil, fmt.Errorf("the Ollama URL %q: %q is not a host name or IP address; use the form http://host:port", raw, host)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("the Ollama URL %q: port %q is not a number from 1 to 65535", raw, port)
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port), Path: strings.TrimRight("/"+path, "/")}
	if _, err := url.Parse(u.String()); err != nil {
		return nil, fmt.Errorf("the Ollama URL %q is not a valid address: %w", raw, err)
	}
	return clientURL(u), nil
}

// clientURL turns a listening address into one a client can dial: OLLAMA_HOST=0.0.0.0 (listen
// on every interface) is common, but connecting to 0.0.0.0 fails on Windows, so use loopback.
func clientURL(u *url.URL) *url.URL {
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return u
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		loopback := "127.0.0.1"
		if ip.To4() == nil {
			loopback = "::1"
		}
		c := *u
		c.Host = net.JoinHostPort(loopback, port)
		return &c
	}
	return u
}
