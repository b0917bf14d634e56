package chat

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Organising and finding conversations: windows of long conversations, search, delete all and
// undo, and the purge that makes deletes final.

// EventHistoryChanged tells clients that many conversations changed at once (delete all, an
// undo of it, an import): reload the list rather than apply one event per conversation.
const EventHistoryChanged = "history.changed"

// UndoWindow is how long a delete can be undone. The purge runs every purgeEvery, so a deleted
// conversation is gone for good at most UndoWindow + purgeEvery after it was deleted.
const (
	UndoWindow = 5 * time.Minute
	purgeEvery = time.Minute
)

// defaultSearchPage is the number of results a search returns when the caller does not say.
const defaultSearchPage = 20

// maxRestoreEvents is how many conversations an undo announces one by one; more become one
// history.changed.
const maxRestoreEvents = 20

type historyChanged struct {
	Reason string `json:"reason"`
}

// GetPage is Get with a window of messages when p.Limit is set (see GetParams).
func (s *Service) GetPage(ctx context.Context, p GetParams) (Conversation, error) {
	if p.ID == "" {
		return Conversation{}, invalid("id is required")
	}
	if p.Limit == 0 {
		if p.Before != nil || p.After != nil || p.Around != "" {
			return Conversation{}, invalid("before, after and around need a limit")
		}
		return s.Get(ctx, p.ID)
	}
	if p.Limit < 0 || p.Limit > store.MaxPage {
		return Conversation{}, invalid("limit must be between 1 and %d", store.MaxPage)
	}
	if (p.Before != nil && p.After != nil) || (p.Around != "" && (p.Before != nil || p.After != nil)) {
		return Conversation{}, invalid("choose one of before, after and around")
	}
	c, w, err := s.st.GetConversationPage(ctx, p.ID, store.WindowOptions{Limit: p.Limit, Before: p.Before, After: p.After, Around: p.Around})
	if err != nil {
		return Conversation{}, err
	}
	out := s.viewConversation(ctx, c)
	out.Window = &w
	return out, nil
}

// Search finds messages (see store.Search for the syntax and order).
func (s *Service) Search(ctx context.Context, p SearchParams) (store.SearchPage, error) {
	if p.Limit == 0 {
		p.Limit = defaultSearchPage
	}
	if p.Limit < 0 || p.Limit > store.MaxPage {
		return store.SearchPage{}, invalid("limit must be between 1 and %d", store.MaxPage)
	}
	page, err := s.st.Search(ctx, store.SearchOptions{Query: p.Query, Limit: p.Limit, Cursor: p.Cursor, ConversationID: p.ConversationID})
	return page, badInput(err)
}

// DeleteAllResult says how many conversations went and how to bring them back.
type DeleteAllResult struct {
	Count     int64  `json:"count"`
	UndoToken string `json:"undoToken,omitempty"`
}

// DeleteAll stops every reply and deletes every conversation, undoably (Restore with the
// token) for UndoWindow.
func (s *Service) DeleteAll(ctx context.Context) (DeleteAllResult, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return DeleteAllResult{}, ErrClosed
	}
	gens := make([]*generation, 0, len(s.active))
	for _, g := range s.active {
		gens = append(gens, g)
	}
	s.mu.Unlock()
	for _, g := range gens {
		if err := s.stop(ctx, g, errStopped); err != nil {
			return DeleteAllResult{}, fmt.Errorf("delete all: %w", err)
		}
	}
	// A reply started since is left with its conversation rather than deleted under it.
	token, n, err := s.st.TrashAll(ctx, s.activeIDs())
	if err != nil {
		return DeleteAllResult{}, err
	}
	s.bus.Publish(EventHistoryChanged, historyChanged{Reason: "deleted"})
	if n == 0 {
		token = ""
	}
	return DeleteAllResult{Count: n, UndoToken: token}, nil
}

func (s *Service) activeIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.active))
	for id := range s.active {
		ids = append(ids, id)
	}
	return ids
}

// Restore undoes a delete (or delete all) that has not been purged yet and returns the IDs of
// the conversations it brought back.
func (s *Service) Restore(ctx context.Context, undoToken string) ([]string, error) {
	if undoToken == "" {
		return nil, invalid("undoToken is required")
	}
	ids, err := s.st.RestoreTrash(ctx, undoToken)
	if err != nil {
		return nil, fmt.Errorf("%w (it can be undone for %v after the delete)", err, UndoWindow)
	}
	if len(ids) > maxRestoreEvents {
		s.bus.Publish(EventHistoryChanged, historyChanged{Reason: "restored"})
		return ids, nil
	}
	for _, id := range ids {
		if c, err := s.st.GetConversation(ctx, id); err == nil {
			s.publishUpdated(c)
		}
	}
	return ids, nil
}

// RunPurge makes deletes final once their undo window has passed: at once for what earlier
// runs deleted, then every purgeEvery, until ctx ends.
func (s *Service) RunPurge(ctx context.Context) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		n, err := s.st.PurgeTrash(ctx, time.Now().Add(-UndoWindow))
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("could not purge deleted conversations; will try again", "err", err)
		case n > 0:
			s.log.Info("purged deleted conversations", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tags lists the tags in use.
func (s *Service) Tags(ctx context.Context) ([]store.TagCount, error) {
	return s.st.ListTags(ctx)
}
