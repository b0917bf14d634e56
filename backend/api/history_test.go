package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// historyStack is the shared test stack; its history is seeded directly in the store.
type historyStack struct {
	url string
	st  *store.Store
	ops *Ops
}

func newHistoryStack(t *testing.T) *historyStack {
	t.Helper()
	s := newStack(t, ServerOptions{})
	return &historyStack{url: s.url, st: s.st, ops: s.ops}
}

func (h *historyStack) seed(t *testing.T, title string, contents ...string) store.Conversation {
	t.Helper()
	c := store.Conversation{Title: title}
	for i, s := range contents {
		role := store.RoleUser
		if i%2 == 1 {
			role = store.RoleAssistant
		}
		c.Messages = append(c.Messages, store.Message{Role: role, Content: s})
	}
	if err := h.st.CreateConversation(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// call posts an operation and returns the status and the body.
func (h *historyStack) call(t *testing.T, op, args string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(h.url+"/api/call/"+op, "application/json", strings.NewReader(args))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestHistoryOperations(t *testing.T) {
	h := newHistoryStack(t)
	a := h.seed(t, "Otters", "Where do otters sleep?", "In holts by the river.")
	b := h.seed(t, "Badgers", "What do badgers eat?", "Earthworms, mostly.")
	tests := []struct {
		name, op, args string
		status         int
		says           string
	}{
		{"search", "history.search", `{"query":"otters"}`, 200, `"hit":true`},
		{"search a phrase", "history.search", `{"query":"\"by the river\""}`, 200, a.Messages[1].ID},
		{"search with FTS syntax", "history.search", `{"query":"NEAR(otters AND"}`, 200, `"results":[]`},
		{"search nothing", "history.search", `{"query":"***"}`, 400, "type a word"},
		{"search bad cursor", "history.search", `{"query":"x","cursor":"%%"}`, 400, "invalid cursor"},
		{"list a page", "conversations.list", `{"limit":1}`, 200, `"nextCursor"`},
		{"list by tag", "conversations.list", `{"tag":"none"}`, 200, `{"conversations":[]}`},
		{"window", "conversations.get", `{"id":"` + a.ID + `","limit":1}`, 200, `"hasBefore":true`},
		{"around", "conversations.get", `{"id":"` + a.ID + `","limit":5,"around":"` + a.Messages[1].ID + `"}`, 200, `"hasAfter":false`},
		{"pin and tag", "conversations.update", `{"id":"` + b.ID + `","pinned":true,"tags":["zoo"]}`, 200, `"tags":["zoo"]`},
		{"tags", "tags.list", `{}`, 200, `{"name":"zoo","count":1}`},
		{"delete all unconfirmed", "conversations.deleteAll", `{}`, 400, "confirm"},
		{"restore nothing", "conversations.restore", `{"undoToken":"nope"}`, 404, "not_found"},
		{"continue a user message", "chat.continue", `{"messageId":"` + a.Messages[0].ID + `"}`, 400, "only a reply"},
		{"export file without a dialog", "history.exportFile", `{}`, 400, "no file dialog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.call(t, tt.op, tt.args)
			if status != tt.status || !strings.Contains(string(body), tt.says) {
				t.Fatalf("%s %s = %d %s; want %d with %s", tt.op, tt.args, status, body, tt.status, tt.says)
			}
		})
	}

	// Delete, then undo.
	status, body := h.call(t, "conversations.delete", `{"id":"`+a.ID+`"}`)
	var undo struct{ UndoToken string }
	if status != 200 || json.Unmarshal(body, &undo) != nil || undo.UndoToken == "" {
		t.Fatalf("delete = %d %s", status, body)
	}
	if status, _ := h.call(t, "conversations.get", `{"id":"`+a.ID+`"}`); status != 404 {
		t.Fatalf("get after delete = %d", status)
	}
	if status, body := h.call(t, "conversations.restore", `{"undoToken":"`+undo.UndoToken+`"}`); status != 200 || !strings.Contains(string(body), a.ID) {
		t.Fatalf("restore = %d %s", status, body)
	}
	// Delete all, confirmed.
	if status, body := h.call(t, "conversations.deleteAll", `{"confirm":true}`); status != 200 || !strings.Contains(string(body), `"count":2`) {
		t.Fatalf("delete all = %d %s", status, body)
	}
}

// picker stands in for the desktop's dialogs: it answers with a path the test chose.
type picker struct{ save, open string }

func (p picker) SaveFile(context.Context, string, string, []FileFilter) (string, error) {
	return p.save, nil
}
func (p picker) OpenFile(context.Context, string, []FileFilter) (string, error) { return p.open, nil }

func TestExportAndImportThroughTheDesktopDialogs(t *testing.T) {
	h := newHistoryStack(t)
	h.seed(t, "Otters", "Where do otters sleep?", "In holts.")
	path := filepath.Join(t.TempDir(), "export.json")
	ctx := WithFilePicker(context.Background(), picker{save: path, open: path})
	res, apiErr := h.ops.Call(ctx, Local, "history.exportFile", json.RawMessage(`{"format":"json"}`))
	if apiErr != nil {
		t.Fatal(apiErr)
	}
	if r := res.(fileResult); r.Path != path || r.Conversations != 1 {
		t.Fatalf("exportFile = %+v", r)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	// Cancelled: nothing happens.
	cancelled := WithFilePicker(context.Background(), picker{})
	if res, apiErr := h.ops.Call(cancelled, Local, "history.importFile", nil); apiErr != nil || !res.(fileResult).Cancelled {
		t.Fatalf("cancelled import = %+v, %v", res, apiErr)
	}
	// Remote callers may not open the desktop's dialogs.
	if _, apiErr := h.ops.Call(ctx, Remote, "history.importFile", nil); apiErr == nil || apiErr.Code != "forbidden" {
		t.Fatalf("remote importFile = %v", apiErr)
	}
	other := newHistoryStack(t)
	res, apiErr = other.ops.Call(ctx, Local, "history.importFile", nil)
	if apiErr != nil || res.(fileResult).Import.Conversations != 1 {
		t.Fatalf("importFile = %+v, %v", res, apiErr)
	}
	if err := os.WriteFile(path, []byte(`{"format":"cloudtolocalllm.history","version":1,"conversations":[{"title":5}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, apiErr := other.ops.Call(ctx, Local, "history.importFile", nil); apiErr == nil || apiErr.Code != "bad_request" ||
		!strings.Contains(apiErr.Message, "export.json") || !strings.Contains(apiErr.Message, "conversations[0].title") {
		t.Fatalf("importFile of a bad file = %v", apiErr)
	}
}

func TestDownloadAndUpload(t *testing.T) {
	h := newHistoryStack(t)
	c := h.seed(t, "Otters / beavers?", "Where do otters sleep?", "In holts.")
	h.seed(t, "Badgers", "What do badgers eat?", "Earthworms.")

	// One conversation, as Markdown, named after it.
	resp, err := http.Get(h.url + "/api/history/export?format=markdown&id=" + c.ID)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if resp.StatusCode != 200 || params["filename"] != "Otters - beavers.md" || !strings.HasPrefix(string(md), "# Otters / beavers?") ||
		strings.Contains(string(md), "Badgers") {
		t.Fatalf("markdown export = %d %q %q", resp.StatusCode, params["filename"], md)
	}
	// Everything, as JSON, uploaded into another app.
	resp, err = http.Get(h.url + "/api/history/export")
	if err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	other := newHistoryStack(t)
	up := func(body []byte, ctype string) (int, string) {
		req, _ := http.NewRequest("POST", other.url+"/api/history/import?name=my%20export.json", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := up(all, "application/octet-stream"); status != 200 || !strings.Contains(body, `"conversations":2`) {
		t.Fatalf("upload = %d %s", status, body)
	}
	if status, body := up([]byte(`[{"chat":{"messages":[{"role":"user","content":7}]}}]`), "application/json"); status != 400 ||
		!strings.Contains(body, "my export.json") || !strings.Contains(body, "[0].chat.messages[0].content") {
		t.Fatalf("upload of a bad file = %d %s", status, body)
	}
	// A form post from another site cannot upload: it could not set this Content-Type.
	if status, _ := up(all, "text/plain"); status != 415 {
		t.Fatalf("text/plain upload = %d, want 415", status)
	}
	for _, bad := range []string{"/api/history/export?format=pdf", "/api/history/export?id=missing"} {
		resp, err := http.Get(h.url + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.Header.Get("Content-Disposition") != "" {
			t.Errorf("GET %s = %d with %q", bad, resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
	}
}
