package api

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/archive"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// registerHistory adds the operations that list, open, organise, find and delete conversations.
// All are open to remote callers: they are the person's own history, reached through a session
// that already proved it is theirs.
func (o *Ops) registerHistory(s Services) {
	reg := func(name string, f func(ctx context.Context, args json.RawMessage) (any, error)) {
		o.ops[name] = op{remote: true, call: f}
	}
	o.chat, o.archive = s.Chat, s.Archive
	if s.Archive != nil {
		o.registerFiles(s.Archive)
	}
	reg("conversations.list", handle(s.Chat.List))
	reg("conversations.get", handle(s.Chat.GetPage))
	reg("conversations.delete", handle(func(ctx context.Context, a idArgs) (undoResult, error) {
		if a.ID == "" {
			return undoResult{}, badRequest("id is required")
		}
		token, err := s.Chat.Delete(ctx, a.ID)
		return undoResult{UndoToken: token}, err
	}))
	reg("conversations.deleteAll", handle(func(ctx context.Context, a struct {
		Confirm bool `json:"confirm"`
	}) (chat.DeleteAllResult, error) {
		// The flag makes the intent explicit in the call itself: a client bug that sends the
		// wrong op name with empty arguments cannot wipe the history.
		if !a.Confirm {
			return chat.DeleteAllResult{}, badRequest("deleting every conversation needs {\"confirm\": true}")
		}
		return s.Chat.DeleteAll(ctx)
	}))
	reg("conversations.restore", handle(func(ctx context.Context, a undoResult) (restoreResult, error) {
		ids, err := s.Chat.Restore(ctx, a.UndoToken)
		if ids == nil {
			ids = []string{}
		}
		return restoreResult{IDs: ids}, err
	}))
	reg("tags.list", handle(func(ctx context.Context, _ struct{}) (tagList, error) {
		tags, err := s.Chat.Tags(ctx)
		return tagList{Tags: tags}, err
	}))
	reg("history.search", handle(s.Chat.Search))
	reg("chat.continue", handle(func(ctx context.Context, a struct {
		MessageID string `json:"messageId"`
	}) (messageResult, error) {
		m, err := s.Chat.Continue(ctx, a.MessageID)
		return messageResult{Message: m}, err
	}))
}

type undoResult struct {
	UndoToken string `json:"undoToken"`
}

type restoreResult struct {
	IDs []string `json:"ids"`
}

type tagList struct {
	Tags []store.TagCount `json:"tags"`
}

// registerFiles adds export and import through the desktop's file dialogs. They are not for
// remote callers: a browser far away cannot see the desktop's dialog, and moves files over HTTP
// instead (transfer.go).
func (o *Ops) registerFiles(a *archive.Service) {
	reg := func(name string, f func(ctx context.Context, args json.RawMessage) (any, error)) {
		o.ops[name] = op{remote: false, call: f}
	}
	reg("history.exportFile", handle(func(ctx context.Context, p struct {
		IDs    []string `json:"ids,omitempty"`
		Format string   `json:"format,omitempty"`
	}) (fileResult, error) {
		picker := filePicker(ctx)
		if picker == nil {
			return fileResult{}, noDialogs()
		}
		if p.Format == "" {
			p.Format = archive.FormatJSON
		}
		if p.Format != archive.FormatJSON && p.Format != archive.FormatMarkdown {
			return fileResult{}, badRequest(fmt.Sprintf("format %q: export as json or markdown", p.Format))
		}
		name := "cloudtolocalllm-history"
		if len(p.IDs) == 1 {
			// Only the title is needed: a window of one message, not the whole conversation.
			c, err := o.chat.GetPage(ctx, chat.GetParams{ID: p.IDs[0], Limit: 1})
			if err != nil {
				return fileResult{}, err
			}
			name = c.Title
		}
		filter := FileFilter{Name: "JSON", Pattern: "*.json"}
		if p.Format == archive.FormatMarkdown {
			filter = FileFilter{Name: "Markdown", Pattern: "*.md"}
		}
		path, err := picker.SaveFile(ctx, "Export conversations", archive.FileName(name, p.Format), []FileFilter{filter})
		if err != nil || path == "" {
			return fileResult{Cancelled: path == ""}, err
		}
		n, err := a.ExportFile(ctx, path, archive.ExportOptions{Format: p.Format, IDs: p.IDs})
		return fileResult{Path: path, Conversations: n}, err
	}))
	reg("history.importFile", handle(func(ctx context.Context, _ struct{}) (fileResult, error) {
		picker := filePicker(ctx)
		if picker == nil {
			return fileResult{}, noDialogs()
		}
		path, err := picker.OpenFile(ctx, "Import conversations", []FileFilter{{Name: "Conversation exports (JSON)", Pattern: "*.json"}})
		if err != nil || path == "" {
			return fileResult{Cancelled: path == ""}, err
		}
		res, err := a.ImportFile(ctx, path)
		if archive.IsInvalid(err) {
			return fileResult{}, importError(err)
		}
		return fileResult{Path: path, Import: &res}, err
	}))
}

func noDialogs() *Error {
	return badRequest("there is no file dialog here; in a browser, use the download and upload of /api/history/export and /api/history/import")
}

// fileResult is what a dialog-driven export or import did. Cancelled: the person closed the
// dialog, and nothing happened.
type fileResult struct {
	Cancelled     bool                  `json:"cancelled,omitempty"`
	Path          string                `json:"path,omitempty"`
	Conversations int                   `json:"conversations,omitempty"`
	Import        *archive.ImportResult `json:"import,omitempty"`
}
