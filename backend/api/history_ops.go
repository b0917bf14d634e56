package api

import (
	"context"
	"encoding/json"

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
