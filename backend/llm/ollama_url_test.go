package llm

import (
	"strings"
	"testing"
)

func TestParseOllamaURL(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "")
	cases := []struct {
		in, want string
		wantErr  string // part of the error message; empty means no error
	}{
		{in: "", want: "http://127.0.0.1:11434"},
		{in: "localhost", want: "http://localhost:11434"},
		{in: "127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "  http://gpu-box:11434/  ", want: "http://gpu-box:11434"},
		{in: "http://example.com", want: "http://example.com:80"},
		{in: "https://example.com", want: "https://example.com:443"},
		{in: "https://example.com/ollama/", want: "https://example.com:443/ollama"},
		{in: "0.0.0.0", want: "http://127.0.0.1:11434"},
		{in: "[::]:11500", want: "http://[::1]:11500"},
		{in: "[::1]", want: "http://[::1]:11434"},
		{in: "ftp://example.com", wantErr: `scheme "ftp" is not supported`},
		{in: "http://", wantErr: "has no host"},
		{in: "example.com:99999", wantErr: "port \"99999\""},
		{in: "example.com:abc", wantErr: "port \"abc\""},
		{in: "http://user:pw@example.com", wantErr: "credentials"},
		{in: "http://example.com/?q=1", wantErr: "queries"},
		{in: "exa mple.com", wantErr: "not a host name"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ParseOllamaURL(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseOllamaURL(%q) = %v, %v; want an error about %q", tc.in, u, err, tc.wantErr)
				}
				return
			}
			if err != nil || u.String() != tc.want {
				t.Fatalf("ParseOllamaURL(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
			}
		})
	}
}

func TestDefaultOllamaURLReadsOllamaHost(t *testing.T) {
	cases := map[string]string{
		"":                      "http://127.0.0.1:11434",
		"0.0.0.0:12345":         "http://127.0.0.1:12345",
		"https://remote.lan":    "https://remote.lan:443",
		"192.168.1.20":          "http://192.168.1.20:11434",
		"http://10.0.0.2:8000/": "http://10.0.0.2:8000",
	}
	for env, want := range cases {
		t.Run(env, func(t *testing.T) {
			t.Setenv("OLLAMA_HOST", env)
			if got := DefaultOllamaURL(); got != want {
				t.Fatalf("OLLAMA_HOST=%q: DefaultOllamaURL() = %s, want %s", env, got, want)
			}
		})
	}
}

func TestSetBaseURLKeepsTheOldURLOnBadInput(t *testing.T) {
	o, err := NewOllama("127.0.0.1:9", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SetBaseURL("ftp://nope"); err == nil {
		t.Fatal("SetBaseURL accepted ftp://")
	}
	if got := o.BaseURL(); got != "http://127.0.0.1:9" {
		t.Fatalf("BaseURL after a rejected change = %s, want http://127.0.0.1:9", got)
	}
	if _, err := NewOllama("http://a b", nil); err == nil {
		t.Fatal("NewOllama accepted a URL with a space")
	}
}
