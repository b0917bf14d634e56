package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

const head = `{"format":"cloudtolocalllm.history","version":1,"conversations":[`

// conv is a valid conversation of our format with one field replaced.
func conv(field, value string) string {
	fields := map[string]string{
		"id": `"c-1"`, "title": `"t"`, "model": `"m"`, "systemPrompt": `""`, "pinned": "false", "tags": "[]",
		"createdAt": `"2024-01-01T00:00:00Z"`, "updatedAt": `"2024-01-01T00:00:00Z"`,
		"messages": `[{"id":"m-1","role":"user","content":"hello","status":"done","createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}]`,
	}
	if field != "" {
		fields[field] = value
	}
	var parts []string
	for _, k := range []string{"id", "title", "model", "systemPrompt", "pinned", "tags", "createdAt", "updatedAt", "messages"} {
		if v := fields[k]; v != "" {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func msg(field, value string) string {
	fields := map[string]string{"id": `"m-9"`, "role": `"user"`, "content": `"x"`, "status": `"done"`}
	fields[field] = value
	var parts []string
	for _, k := range []string{"id", "role", "content", "status"} {
		parts = append(parts, fmt.Sprintf("%q:%s", k, fields[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Every malformed file fails with an *Error that names the file and the place, and imports
// nothing — not even the valid conversations before the bad one.
func TestMalformedFilesImportNothing(t *testing.T) {
	good := conv("id", `"good-1"`)
	tests := []struct {
		name    string
		file    string
		line    int    // 0: not checked
		path    string // "": not checked
		problem string
	}{
		{"empty", "", 0, "", "empty"},
		{"blank", "  \n ", 0, "", "empty"},
		{"not JSON", "hello", 1, "", "not valid JSON"},
		{"a number", "42", 0, "", "must be a JSON object"},
		{"cut short", head + good + ",\n" + conv("id", `"c-2"`)[:50], 0, "", "ends in the middle"},
		{"cut mid-string", head + `{"id":"abc`, 0, "", "ends in the middle"},
		{"another app's object", `{"mapping":{}}`, 1, "", "not a CloudToLocalLLM export"},
		{"wrong format name", `{"format":"something.else","version":1,"conversations":[]}`, 1, "format", "not a CloudToLocalLLM export"},
		{"newer version", `{"format":"cloudtolocalllm.history","version":7,"conversations":[]}`, 1, "version", "newer CloudToLocalLLM"},
		{"no format", `{"conversations":[]}`, 0, "", `no "format" key`},
		{"no format after conversations", `{"conversations":[` + good + `]}`, 0, "", `no "format" key`},
		{"wrong format after conversations", `{"conversations":[` + good + `],"format":"other"}`, 1, "format", "not a CloudToLocalLLM export"},
		{"newer version after conversations", `{"conversations":[` + good + `],"format":"cloudtolocalllm.history","version":2}`, 1, "version", "newer"},
		{"conversations not an array", `{"format":"cloudtolocalllm.history","conversations":{}}`, 1, "conversations", "must be an array"},
		{"title is a number", head + good + ",\n" + conv("title", "5") + "]}", 2, "conversations[1].title", "expected text, found number"},
		{"pinned is text", head + "\n\n" + conv("pinned", `"yes"`) + "]}", 3, "conversations[0].pinned", "expected true or false, found string"},
		{"messages is an object", head + conv("messages", "{}") + "]}", 1, "conversations[0].messages", "expected an array, found object"},
		{"bad time", head + conv("createdAt", `"yesterday"`) + "]}", 1, "conversations[0]", "yesterday"},
		{"unknown field", head + good + `,{"id":"x","colour":"red"}]}`, 1, "conversations[1]", `unknown field "colour"`},
		{"role system", head + conv("messages", "["+msg("role", `"system"`)+"]") + "]}", 1, "conversations[0].messages[0].role", "not user or assistant"},
		{"bad status", head + conv("messages", "["+msg("status", `"exploded"`)+"]") + "]}", 1, "conversations[0].messages[0].status", "not one of"},
		{"content too large", head + conv("messages", "["+msg("content", `"`+strings.Repeat("a", MaxContentBytes+1)+`"`)+"]") + "]}", 1, "conversations[0].messages[0].content", "limit"},
		{"title too long", head + conv("title", `"`+strings.Repeat("t", 300)+`"`) + "]}", 1, "conversations[0].title", "longer than"},
		{"too many tags", head + conv("tags", `["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u"]`) + "]}", 1, "conversations[0].tags", "at most"},
		{"temperature out of range", head + conv("title", `"t","temperature":99`) + "]}", 1, "conversations[0].temperature", "between 0 and 2"},
		{"invalid UTF-8", head + good + ",\n" + conv("title", "\"bad \xff\xfe byte\"") + "]}", 2, "conversations[1]", "not valid UTF-8"},
		{"invalid UTF-8 in a key", head + "{\"\xff\":1}]}", 1, "conversations[0]", "not valid UTF-8"},
		{"deeply nested", head + conv("messages", strings.Repeat("[", 20000)+strings.Repeat("]", 20000)) + "]}", 1, "conversations[0]", "depth"},
		{"trailing garbage", head + good + "]} and more", 1, "", "more after the end"},
		{"two exports", head + good + "]}" + head + "]}", 1, "", "more after the end"},
		{"message ID used twice", head + good + "," + conv("id", `"other"`) + "]}", 1, "conversations[1]", "already used"},
		{"array of numbers", "[1,2]", 1, "[0]", "JSON object"},
		{"array of strangers", `[{"a":1}]`, 1, "[0]", "neither a ChatGPT conversation"},
		{"mixed apps", `[{"mapping":{}},{"chat":{}}]`, 1, "[1]", "file began with chatgpt"},
		{"ChatGPT title a number", `[{"title":5,"mapping":{}}]`, 1, "[0].title", "expected text"},
		{"ChatGPT mapping a list", `[{"title":"x","mapping":[]}]`, 1, "[0].mapping", "expected an object"},
		{"ChatGPT part a number", `[{"mapping":{"a":{"message":{"author":{"role":"user"},"content":{"content_type":"text","parts":[7]}}}},"current_node":"a"}]`, 0, `[0].mapping["a"].message.content.parts[0]`, "expected text"},
		{"Open WebUI content a number", `[{"id":"o","chat":{"messages":[{"role":"user","content":12}]}}]`, 0, "[0].chat.messages[0].content", "expected text"},
		{"Open WebUI tags not text", `[{"id":"o","meta":{"tags":[1]},"chat":{}}]`, 1, "[0].meta.tags", "expected text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			_, err := Import(context.Background(), strings.NewReader(tt.file), "bad.json", st)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Import = %v, want an *Error", err)
			}
			if e.File != "bad.json" || !strings.Contains(err.Error(), "bad.json") {
				t.Errorf("the error does not name the file: %v", err)
			}
			if !strings.Contains(e.Problem, tt.problem) {
				t.Errorf("problem %q does not say %q", e.Problem, tt.problem)
			}
			if tt.line > 0 && e.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", e.Line, tt.line, err)
			}
			if tt.path != "" && e.Path != tt.path {
				t.Errorf("path %q, want %q (%v)", e.Path, tt.path, err)
			}
			page, lerr := st.ListConversations(context.Background(), store.ListOptions{})
			if lerr != nil {
				t.Fatal(lerr)
			}
			if len(page.Conversations) != 0 {
				t.Errorf("a failed import left %d conversations", len(page.Conversations))
			}
		})
	}
}

func TestErrorSaysWhere(t *testing.T) {
	e := &Error{File: "history.json", Line: 3, Column: 17, Path: "conversations[2].title", Problem: "expected text, found number"}
	if got, want := e.Error(), "cannot import history.json (line 3, column 17, at conversations[2].title): expected text, found number"; got != want {
		t.Fatalf("Error() = %q\nwant      %q", got, want)
	}
	if got := (&Error{Problem: "empty"}).Error(); got != "cannot import the file: empty" {
		t.Fatalf("Error() = %q", got)
	}
}

// endless is a reader of n bytes: prefix, then fill repeated. It is never held in memory.
type endless struct {
	prefix []byte
	fill   byte
	left   int64
	read   int64
}

func (r *endless) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		if len(r.prefix) > 0 {
			c := copy(p[n:], r.prefix)
			r.prefix = r.prefix[c:]
			n += c
			r.left -= int64(c)
			continue
		}
		p[n] = r.fill
		n++
		r.left--
	}
	r.read += int64(n)
	return n, nil
}

// A file of a gigabyte fails as soon as a limit is passed, having read only as much as the limit
// and holding a small multiple of one conversation in memory.
func TestGigabyteFilesFailEarly(t *testing.T) {
	const gig = 1 << 30
	tests := []struct {
		name    string
		r       *endless
		problem string
		maxRead int64
	}{
		{"one endless string", &endless{prefix: []byte(`[{"mapping":{},"title":"`), fill: 'a', left: gig},
			"larger than 64 MiB", MaxConversationBytes + 1<<20},
		{"endless white space", &endless{prefix: []byte(`[`), fill: ' ', left: gig},
			"more than 64 MiB without the end of a value", MaxConversationBytes + 1<<20},
		{"endless nesting", &endless{prefix: []byte(head), fill: '[', left: gig},
			"depth", MaxConversationBytes + 1<<20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Import(context.Background(), tt.r, "huge.json", st)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Import = %v, want an *Error", err)
			}
			if !strings.Contains(e.Problem, tt.problem) {
				t.Errorf("problem %q does not say %q", e.Problem, tt.problem)
			}
			if tt.r.read > tt.maxRead {
				t.Errorf("read %d MiB of the file before failing; the limit should stop it by %d MiB", tt.r.read>>20, tt.maxRead>>20)
			}
			// Allocations are bounded by the limits, not by the size of the file.
			if grew := int64(after.TotalAlloc) - int64(before.TotalAlloc); grew > 8*MaxConversationBytes {
				t.Errorf("the import allocated %d MiB", grew>>20)
			}
		})
	}
}

// The whole file's limit holds however small each conversation is.
func TestFileLimit(t *testing.T) {
	one := `{"title":"x","mapping":{}},`
	r := &endless{prefix: []byte("[" + strings.Repeat(one, (2<<20)/len(one))), fill: ' ', left: 3 << 20}
	st := openStore(t)
	_, err := importWith(context.Background(), r, "many.json", st, limits{file: 1 << 20, value: 64 << 10})
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Problem, "larger than 1 MiB") || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Import = %v, want the file limit", err)
	}
	if r.read > 1<<20+64<<10 {
		t.Errorf("read %d bytes past a 1 MiB limit", r.read)
	}
}
