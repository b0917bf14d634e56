package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func ptr[T any](v T) *T { return &v }

// fillHistory makes a history with everything a conversation can hold.
func fillHistory(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	convs := []store.Conversation{
		{Title: "Everything", Model: "llama3:8b", SystemPrompt: "Be brief.\nVery brief.", Temperature: ptr(0.7), NumCtx: ptr(8192),
			Tags: []string{"work", "Ideas"}, Messages: []store.Message{
				{Role: store.RoleUser, Content: "Unicode: héllo 日本語 🦔, HTML <b>bold</b> & \"quotes\", NUL \x00 byte, \\backslash"},
				{Role: store.RoleAssistant, Content: "## Markdown\n\n```go\nfmt.Println(\"hi\")\n```\n", Model: "llama3:8b", EvalTokens: 42, EvalDurationMs: 1234},
				{Role: store.RoleUser, Content: "and then?"},
				{Role: store.RoleAssistant, Content: "partial", Status: store.StatusStopped},
			}},
		{Title: "Failed", EndpointID: "work-server", Messages: []store.Message{
			{Role: store.RoleUser, Content: "q", Images: store.Images{{MediaType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nnot really")}}},
			{Role: store.RoleAssistant, Status: store.StatusError, Error: "Ollama is not running at http://127.0.0.1:11434"},
			{Role: store.RoleAssistant, Content: "cut", Status: store.StatusInterrupted},
		}},
		{Title: "Empty"},
		{Title: strings.Repeat("long ", 30), Messages: []store.Message{{Role: store.RoleUser, Content: strings.Repeat("big ", 100000)}}},
	}
	for i := range convs {
		if err := st.CreateConversation(ctx, &convs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.UpdateConversation(ctx, convs[1].ID, store.ConversationPatch{Pinned: ptr(true)}); err != nil {
		t.Fatal(err)
	}
}

func export(t *testing.T, src Source, o ExportOptions) (string, int) {
	t.Helper()
	var b bytes.Buffer
	n, err := Export(context.Background(), &b, src, o)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return b.String(), n
}

var exportedAt = regexp.MustCompile(`"exportedAt":"[^"]*"`)

func TestJSONRoundTripIsIdentical(t *testing.T) {
	ctx := context.Background()
	a := openStore(t)
	fillHistory(t, a)
	first, n := export(t, a, ExportOptions{Format: FormatJSON})
	if n != 4 {
		t.Fatalf("exported %d conversations, want 4", n)
	}
	for _, want := range []string{`"endpointId":"work-server"`, `"images":[{"mediaType":"image/png","data":"`, `"temperature":0.7`, `"status":"interrupted"`} {
		if !strings.Contains(first, want) {
			t.Errorf("the export lacks %s", want)
		}
	}
	if !json.Valid([]byte(first)) {
		t.Fatalf("the export is not valid JSON:\n%s", first)
	}

	b := openStore(t)
	res, err := Import(ctx, strings.NewReader(first), "history.json", b)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.Format != FormatJSON || res.Conversations != 4 || res.Messages != 8 || res.Skipped != 0 {
		t.Fatalf("Import = %+v", res)
	}
	second, _ := export(t, b, ExportOptions{Format: FormatJSON})
	if exportedAt.ReplaceAllString(first, "") != exportedAt.ReplaceAllString(second, "") {
		t.Fatalf("the round trip changed the history:\nfirst:  %.2000s\nsecond: %.2000s", first, second)
	}
	// Search works on what was imported.
	page, err := b.Search(ctx, store.SearchOptions{Query: "日本語", Limit: 5})
	if err != nil || len(page.Results) != 1 {
		t.Fatalf("search in the imported history = %+v, %v", page, err)
	}

	// Importing the same file again adds nothing.
	res, err = Import(ctx, strings.NewReader(first), "history.json", b)
	if err != nil || res.Conversations != 0 || res.Skipped != 4 {
		t.Fatalf("second Import = %+v, %v", res, err)
	}
	third, _ := export(t, b, ExportOptions{Format: FormatJSON})
	if exportedAt.ReplaceAllString(third, "") != exportedAt.ReplaceAllString(first, "") {
		t.Fatal("importing twice changed the history")
	}
}

func TestExportChosenConversations(t *testing.T) {
	st := openStore(t)
	fillHistory(t, st)
	page, _ := st.ListConversations(context.Background(), store.ListOptions{})
	one := page.Conversations[2]
	out, n := export(t, st, ExportOptions{Format: FormatJSON, IDs: []string{one.ID}})
	if n != 1 || !strings.Contains(out, one.ID) || strings.Count(out, `"title"`) != 1 {
		t.Fatalf("export of one conversation = %d:\n%s", n, out)
	}
	if _, err := Export(context.Background(), &bytes.Buffer{}, st, ExportOptions{Format: FormatJSON, IDs: []string{"gone"}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("export of a missing conversation = %v, want ErrNotFound", err)
	}
	if _, err := Export(context.Background(), &bytes.Buffer{}, st, ExportOptions{Format: "pdf"}); err == nil {
		t.Fatal("an unknown format was exported")
	}
	empty := openStore(t)
	out, n = export(t, empty, ExportOptions{Format: FormatJSON})
	if n != 0 || !json.Valid([]byte(out)) {
		t.Fatalf("empty export = %d %q", n, out)
	}
}

func TestMarkdownExport(t *testing.T) {
	st := openStore(t)
	fillHistory(t, st)
	out, n := export(t, st, ExportOptions{Format: FormatMarkdown})
	if n != 4 {
		t.Fatalf("exported %d", n)
	}
	for _, want := range []string{
		"# Everything\n", "model llama3:8b", "tags: Ideas, work", "> **System prompt:** Be brief.\n> Very brief.",
		"## You\n\nUnicode: héllo 日本語 🦔", "## Assistant (llama3:8b)\n\n## Markdown\n\n```go\nfmt.Println(\"hi\")\n```\n",
		"_(stopped)_", "_(error: Ollama is not running at http://127.0.0.1:11434)_", "_(interrupted)_", "\n---\n\n# Everything\n", "pinned",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the Markdown lacks %q", want)
		}
	}
	if !strings.HasPrefix(out, "# Failed\n") {
		t.Errorf("the pinned conversation does not come first:\n%.200s", out)
	}
	if strings.Count(out, "\n---\n") != 3 {
		t.Errorf("%d separators between 4 conversations", strings.Count(out, "\n---\n"))
	}
}

// Keys in another order (as tools that sort them write them) are the same file.
func TestImportAcceptsKeysInAnyOrder(t *testing.T) {
	file := `{"conversations":[{"createdAt":"2021-05-01T10:00:00Z","id":"c-1","messages":[],"model":"m","pinned":false,
"systemPrompt":"","tags":[],"title":"Sorted","updatedAt":"2021-05-01T10:00:00Z"}],"exportedAt":"2021-05-02T00:00:00Z",
"format":"cloudtolocalllm.history","version":1}`
	st := openStore(t)
	res, err := Import(context.Background(), strings.NewReader(file), "sorted.json", st)
	if err != nil || res.Conversations != 1 {
		t.Fatalf("Import = %+v, %v", res, err)
	}
}

func TestImportKeepsTheOriginalTimes(t *testing.T) {
	ctx := context.Background()
	file := `{"format":"cloudtolocalllm.history","version":1,"conversations":[
{"id":"c-1","title":"Old","model":"m","systemPrompt":"","pinned":false,"tags":[],"createdAt":"2021-05-01T10:00:00Z","updatedAt":"2021-05-02T10:00:00Z","messages":[
 {"id":"m-1","role":"user","content":"hi","status":"done","createdAt":"2021-05-01T10:00:00Z","updatedAt":"2021-05-01T10:00:00Z"}]}]}`
	st := openStore(t)
	if _, err := Import(ctx, strings.NewReader(file), "old.json", st); err != nil {
		t.Fatal(err)
	}
	c, err := st.GetConversation(ctx, "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2021, 5, 2, 10, 0, 0, 0, time.UTC); !c.UpdatedAt.Equal(want) || c.Messages[0].ID != "m-1" {
		t.Fatalf("imported = %+v", c)
	}
}
