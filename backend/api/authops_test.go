package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
)

type mapSettings map[string]string

func (m mapSettings) GetSetting(_ context.Context, k string) (string, bool, error) {
	v, ok := m[k]
	return v, ok, nil
}
func (m mapSettings) SetSetting(_ context.Context, k, v string) error { m[k] = v; return nil }

// The sign-in operations are for the desktop only, and their failures reach the client with the
// sign-in's own code, message and hint. (The flows themselves are tested in backend/auth against
// a real provider and keyring.)
func TestAuthOps(t *testing.T) {
	keyring.MockInit() // no flow reaches the keyring here
	a, err := auth.New(context.Background(), auth.Options{Settings: mapSettings{}, Secrets: secrets.NewKeyring("test")})
	if err != nil {
		t.Fatal(err)
	}
	o := &Ops{ops: map[string]op{}}
	o.registerAuth(a)
	for _, name := range []string{"auth.get", "auth.configure", "auth.signIn", "auth.signInDevice", "auth.cancel", "auth.signOut", "auth.picture"} {
		if _, err := o.Call(context.Background(), Remote, name, nil); err == nil || err.Code != "forbidden" {
			t.Errorf("%s from a remote caller: %v, want forbidden", name, err)
		}
	}
	res, cerr := o.Call(context.Background(), Local, "auth.get", nil)
	if cerr != nil || res.(auth.Account).State != auth.StateUnconfigured {
		t.Fatalf("auth.get: %+v, %v", res, cerr)
	}
	tests := []struct {
		op, args   string
		code       string
		status     int
		hintSubstr string
	}{
		{"auth.signIn", `{}`, auth.CodeNotConfigured, http.StatusBadRequest, "issuer URL"},
		{"auth.signInDevice", `{}`, auth.CodeNotConfigured, http.StatusBadRequest, "issuer URL"},
		{"auth.configure", `{"issuer":"http://id.example.com","clientId":"x"}`, "bad_request", http.StatusBadRequest, "https://"},
		{"auth.configure", `{"issuer":"https://id.example.com","clientId":"x","bogus":1}`, "bad_request", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		_, err := o.Call(context.Background(), Local, tt.op, json.RawMessage(tt.args))
		if err == nil || err.Code != tt.code || err.HTTPStatus() != tt.status || !strings.Contains(err.Hint, tt.hintSubstr) {
			t.Errorf("%s %s: %+v, want %s (%d) with a hint mentioning %q", tt.op, tt.args, err, tt.code, tt.status, tt.hintSubstr)
		}
	}
	res, cerr = o.Call(context.Background(), Local, "auth.configure", json.RawMessage(`{"issuer":"https://id.example.com/","clientId":"app"}`))
	if cerr != nil || res.(auth.Account).State != auth.StateSignedOut || res.(auth.Account).Config.ClientID != "app" {
		t.Fatalf("auth.configure: %+v, %v", res, cerr)
	}
	res, cerr = o.Call(context.Background(), Local, "auth.picture", nil)
	if cerr != nil || res.(picture).DataURL != "" {
		t.Fatalf("auth.picture while signed out: %+v, %v", res, cerr)
	}
	res, cerr = o.Call(context.Background(), Local, "auth.signOut", json.RawMessage(`{}`))
	if cerr != nil || res.(auth.SignOutResult).Account.State != auth.StateSignedOut {
		t.Fatalf("auth.signOut while signed out: %+v, %v", res, cerr)
	}
}
