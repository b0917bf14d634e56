package archive

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type recorder struct{ names []string }

func (r *recorder) Publish(name string, _ any) { r.names = append(r.names, name) }

func TestServiceFiles(t *testing.T) {
	ctx := context.Background()
	src := openStore(t)
	fillHistory(t, src)
	dir := t.TempDir()
	path := filepath.Join(dir, "export.json")
	if err := os.WriteFile(path, []byte("old contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewService(src, nil)
	n, err := s.ExportFile(ctx, path, ExportOptions{Format: FormatJSON})
	if err != nil || n != 4 {
		t.Fatalf("ExportFile = %d, %v", n, err)
	}
	b, _ := os.ReadFile(path)
	if !json.Valid(b) {
		t.Fatal("the exported file is not JSON")
	}
	// A failed export leaves the file it would have replaced, and no temporary file.
	if _, err := s.ExportFile(ctx, path, ExportOptions{Format: FormatJSON, IDs: []string{"missing"}}); err == nil {
		t.Fatal("exporting a missing conversation succeeded")
	}
	if after, _ := os.ReadFile(path); string(after) != string(b) {
		t.Fatal("a failed export changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d files in the folder after a failed export, want 1", len(entries))
	}

	rec := &recorder{}
	dst := NewService(openStore(t), rec.Publish)
	res, err := dst.ImportFile(ctx, path)
	if err != nil || res.Conversations != 4 {
		t.Fatalf("ImportFile = %+v, %v", res, err)
	}
	if len(rec.names) != 1 || rec.names[0] != EventHistoryChanged {
		t.Fatalf("events = %v", rec.names)
	}
	// Nothing new: no event.
	if _, err := dst.ImportFile(ctx, path); err != nil || len(rec.names) != 1 {
		t.Fatalf("second import: %v, events %v", err, rec.names)
	}
	if _, err := dst.ImportFile(ctx, dir); !IsInvalid(err) {
		t.Fatalf("importing a folder = %v", err)
	}
	if _, err := dst.ImportFile(ctx, filepath.Join(dir, "nope.json")); err == nil || IsInvalid(err) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("importing a missing file = %v", err)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ title, format, want string }{
		{"Why is the sky blue?", FormatJSON, "Why is the sky blue.json"},
		{"a/b\\c:d", FormatMarkdown, "a-b-c-d.md"},
		{"", FormatJSON, "cloudtolocalllm-history.json"},
		{"...", FormatJSON, "cloudtolocalllm-history.json"},
		{strings.Repeat("x", 100), FormatJSON, strings.Repeat("x", 80) + ".json"},
	}
	for _, tt := range tests {
		if got := FileName(tt.title, tt.format); got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.title, got, tt.want)
		}
	}
}
