package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// EventHistoryChanged is what an import publishes: many conversations appeared at once, so
// clients reload the list (the same event the chat service sends after delete all).
const EventHistoryChanged = "history.changed"

// Publish sends an event to clients (the event bus's Publish).
type Publish func(name string, data any)

// Service exports and imports the history of one store and tells clients when an import changed
// it.
type Service struct {
	st  *store.Store
	pub Publish
}

// NewService returns the service over st; pub may be nil.
func NewService(st *store.Store, pub Publish) *Service {
	return &Service{st: st, pub: pub}
}

// Export writes the conversations o chooses to w (see the package function Export).
func (s *Service) Export(ctx context.Context, w io.Writer, o ExportOptions) (int, error) {
	return Export(ctx, w, s.st, o)
}

// Import reads a file from r (see the package function Import); name is how the person knows
// the file.
func (s *Service) Import(ctx context.Context, r io.Reader, name string) (ImportResult, error) {
	res, err := Import(ctx, r, name, s.st)
	if err == nil && res.Conversations > 0 && s.pub != nil {
		s.pub(EventHistoryChanged, struct {
			Reason string `json:"reason"`
		}{"imported"})
	}
	return res, err
}

// ExportFile writes the export to path. It writes a temporary file beside it and renames it into
// place, so an export that fails half-way never leaves a truncated file under the chosen name.
func (s *Service) ExportFile(ctx context.Context, path string, o ExportOptions) (int, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.part")
	if err != nil {
		return 0, fmt.Errorf("export to %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := s.Export(ctx, tmp, o)
	if err != nil {
		return 0, err
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("export to %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("export to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("export to %s: %w", path, err)
	}
	done = true
	return n, nil
}

// ImportFile imports the file at path.
func (s *Service) ImportFile(ctx context.Context, path string) (ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %s: %w", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return ImportResult{}, &Error{File: filepath.Base(path), Problem: "this is a folder, not a file"}
	}
	return s.Import(ctx, f, filepath.Base(path))
}

// FileName is a name for an export: the conversation's title when it is one conversation,
// otherwise the app's, with the format's extension. It is safe on every platform.
func FileName(title, format string) string {
	ext := ".json"
	if format == FormatMarkdown {
		ext = ".md"
	}
	base := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '-'
		}
		return r
	}, strings.TrimSpace(title))
	if r := []rune(base); len(r) > 80 {
		base = string(r[:80])
	}
	base = strings.Trim(base, ". -")
	if base == "" {
		base = "cloudtolocalllm-history"
	}
	return base + ext
}

// IsInvalid tells whether err is the file's fault (a client error) rather than the app's.
func IsInvalid(err error) bool { return errors.Is(err, ErrInvalid) }
