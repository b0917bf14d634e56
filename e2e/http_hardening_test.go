package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHTTPHardening sends the requests a hostile page or a careless client could send to the real
// binary's HTTP API, and checks each is refused with the right status and the API's JSON error
// shape — plus one well-formed call, so a server that refuses everything cannot pass.
func TestHTTPHardening(t *testing.T) {
	a := startServe(t, appOptions{}) // no Ollama needed: every request here is refused or local
	port := a.URL[strings.LastIndex(a.URL, ":")+1:]
	big := `{"content":"` + strings.Repeat("x", 24<<20) + `"}` // just over the 24 MiB limit

	tests := []struct {
		name       string
		op         string
		body       string
		header     map[string]string
		host       string // overrides the Host header when set
		wantStatus int
		wantCode   string // empty: a successful call
	}{
		{name: "well-formed call succeeds", op: "status.get", body: `{}`, wantStatus: 200},
		// DNS rebinding: a site that resolves its own name to 127.0.0.1 still sends that name.
		{name: "foreign Host", op: "status.get", body: `{}`, host: "evil.example:" + port, wantStatus: 403, wantCode: "forbidden"},
		{name: "loopback Host on another port", op: "status.get", body: `{}`, host: "127.0.0.1:1", wantStatus: 403, wantCode: "forbidden"},
		// CSRF: another page in the person's browser posting to the local server.
		{name: "cross-site Origin", op: "status.get", body: `{}`, header: map[string]string{"Origin": "https://evil.example"}, wantStatus: 403, wantCode: "forbidden"},
		{name: "Sec-Fetch-Site cross-site", op: "status.get", body: `{}`, header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 403, wantCode: "forbidden"},
		{name: "malformed JSON", op: "conversations.create", body: `{"model": `, wantStatus: 400, wantCode: "bad_request"},
		{name: "body over 24 MiB", op: "chat.send", body: big, wantStatus: 413, wantCode: "too_large"},
		{name: "unknown op", op: "no.such.op", body: `{}`, wantStatus: 404, wantCode: "not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, a.URL+"/api/call/"+tc.op, bytes.NewBufferString(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read response: %v", err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.wantStatus, trunc(string(b), 300))
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			var got struct {
				Error *struct {
					Code    *string `json:"code"`
					Message *string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("the body is not JSON: %v; body %s", err, trunc(string(b), 300))
			}
			if tc.wantCode == "" {
				if got.Error != nil {
					t.Fatalf("a well-formed call failed: %s", b)
				}
				return
			}
			if got.Error == nil || got.Error.Code == nil || got.Error.Message == nil {
				t.Fatalf("want {error:{code,message}}, got %s", trunc(string(b), 300))
			}
			if *got.Error.Code != tc.wantCode {
				t.Errorf("error code %q, want %q (message %q)", *got.Error.Code, tc.wantCode, *got.Error.Message)
			}
			if strings.TrimSpace(*got.Error.Message) == "" {
				t.Error("the error has an empty message")
			}
		})
	}
}
