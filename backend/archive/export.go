package archive

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Source is where an export reads conversations from (the store).
type Source interface {
	ListConversations(ctx context.Context, o store.ListOptions) (store.ConversationPage, error)
	GetConversation(ctx context.Context, id string) (store.Conversation, error)
}

// ExportOptions choose what to export and how.
type ExportOptions struct {
	Format string   // FormatJSON or FormatMarkdown
	IDs    []string // the conversations to export; none means all of them
}

// Export writes the chosen conversations to w, one at a time, and returns how many it wrote.
// All of them are listed first and then read one by one, so the export never holds more than one
// conversation in memory and never holds the database locked; one deleted meanwhile is left out.
func Export(ctx context.Context, w io.Writer, src Source, o ExportOptions) (int, error) {
	var write func(io.Writer, store.Conversation, bool) error
	var begin, end func(io.Writer) error
	switch o.Format {
	case FormatJSON:
		begin, write, end = beginJSON, writeJSON, endJSON
	case FormatMarkdown:
		begin, write, end = func(io.Writer) error { return nil }, writeMarkdown, func(io.Writer) error { return nil }
	default:
		return 0, fmt.Errorf("export: unknown format %q (json or markdown)", o.Format)
	}
	ids := o.IDs
	if len(ids) == 0 {
		page, err := src.ListConversations(ctx, store.ListOptions{})
		if err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
		for _, c := range page.Conversations {
			ids = append(ids, c.ID)
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := begin(bw); err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	n := 0
	for _, id := range ids {
		c, err := src.GetConversation(ctx, id)
		if errors.Is(err, store.ErrNotFound) && len(o.IDs) == 0 {
			continue // deleted since the list was read
		}
		if err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		if err := write(bw, c, n == 0); err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		n++
	}
	if err := end(bw); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

func beginJSON(w io.Writer) error {
	head, err := json.Marshal(struct {
		Format     string    `json:"format"`
		Version    int       `json:"version"`
		ExportedAt time.Time `json:"exportedAt"`
	}{formatName, formatVersion, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	// The header object, reopened to add the array that is streamed into it.
	_, err = fmt.Fprintf(w, "%s,\"conversations\":[", head[:len(head)-1])
	return err
}

// writeJSON writes one conversation per line: a large export stays readable and diffable.
func writeJSON(w io.Writer, c store.Conversation, first bool) error {
	sep := ",\n"
	if first {
		sep = "\n"
	}
	if _, err := io.WriteString(w, sep); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // text stays as written: a file is not a web page
	if err := enc.Encode(toV1(c)); err != nil {
		return err
	}
	_, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return err
}

func endJSON(w io.Writer) error {
	_, err := io.WriteString(w, "\n]}\n")
	return err
}
