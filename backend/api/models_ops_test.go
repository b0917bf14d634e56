package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
)

type lockedKeys struct{}

func (lockedKeys) Get(context.Context, string) (string, error) { return "", secrets.ErrLocked }
func (lockedKeys) Set(context.Context, string, string) error   { return secrets.ErrLocked }
func (lockedKeys) Delete(context.Context, string) error        { return secrets.ErrLocked }

// modelOps is the shared test stack's registry: these tests are about who may call what, and
// the errors' codes.
func modelOps(t *testing.T) *Ops {
	t.Helper()
	return newStack(t, ServerOptions{}).ops
}

func TestModelOpsWhoMayDoWhat(t *testing.T) {
	o := modelOps(t)
	ctx := context.Background()
	call := func(caller Caller, op, args string) *Error {
		_, err := o.Call(ctx, caller, op, json.RawMessage(args))
		return err
	}
	// A pull with an invalid name fails on its name once it is let through: bad_request means
	// allowed, forbidden means refused before anything was done.
	for _, tc := range []struct {
		name   string
		caller Caller
		op     string
		args   string
		code   string
	}{
		{"local pull", Local, "models.pull", `{"name":"two words"}`, "bad_request"},
		{"remote pull, not allowed", Remote, "models.pull", `{"name":"two words"}`, "forbidden"},
		{"remote delete, not allowed", Remote, "models.delete", `{"name":"tiny","confirm":true}`, "forbidden"},
		{"remote cancel, not allowed", Remote, "models.cancelPull", `{"id":"pull-1"}`, "forbidden"},
		{"remote may not allow itself", Remote, "settings.update", `{"remoteModelChanges":true}`, "forbidden"},
		{"remote may not add a server", Remote, "endpoints.add", `{"name":"x","kind":"ollama","url":"10.0.0.2"}`, "forbidden"},
		{"remote may not remove a server", Remote, "endpoints.remove", `{"id":"ep-1"}`, "forbidden"},
		{"local delete needs confirm", Local, "models.delete", `{"name":"tiny"}`, "bad_request"},
		{"local bad server", Local, "endpoints.add", `{"name":"x","kind":"gopher","url":"10.0.0.2"}`, "bad_request"},
		{"keyring locked", Local, "endpoints.add", `{"name":"x","kind":"openai","url":"http://10.0.0.2/v1","apiKey":"k"}`, "keyring_locked"},
		{"unknown server", Local, "models.running", `{"endpointId":"ep-gone"}`, "not_found"},
		{"remote looks", Remote, "models.pulls", `{}`, ""},
		{"remote lists servers", Remote, "endpoints.list", `{}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := call(tc.caller, tc.op, tc.args)
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("%s = %v, want it allowed", tc.op, err)
			case tc.code != "" && (err == nil || err.Code != tc.code):
				t.Fatalf("%s = %v, want %s", tc.op, err, tc.code)
			case err != nil && err.Message == "":
				t.Fatalf("%s: an error without a message", tc.op)
			}
		})
	}
	if err := call(Local, "settings.update", `{"remoteModelChanges":true}`); err != nil {
		t.Fatal(err)
	}
	if err := call(Remote, "models.pull", `{"name":"two words"}`); err == nil || err.Code != "bad_request" {
		t.Errorf("remote pull once allowed = %v, want it let through (bad_request on the name)", err)
	}
	// models.list against a server that is down: the error names the cause.
	err := call(Remote, "models.list", `{}`)
	if err == nil || err.Code != "ollama_unreachable" || err.HTTPStatus() != http.StatusServiceUnavailable {
		t.Errorf("models.list with Ollama down = %v, want ollama_unreachable", err)
	}
}
