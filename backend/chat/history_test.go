package chat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// A reply is in the database from its first token even if no other token follows: the flush
// does not wait for more text, so a crash right after a slow first token keeps it.
func TestDefaultFlushSavesAQuietReply(t *testing.T) {
	if defaultFlushEvery > 500*time.Millisecond {
		t.Fatalf("replies are flushed every %v; a crash must lose at most half a second", defaultFlushEvery)
	}
	h := newHarness(t)
	c, call := h.send(t, "q")
	call.send(t, "first")
	eventually(t, "the first token is saved while the reply streams", func() bool {
		m := h.stored(t, c.Messages[1].ID)
		return m.Content == "first" && m.Status == store.StatusStreaming
	})
	call.finish(t)
	h.finished(t, c.Messages[1].ID)
}

func TestContinueAppendsToTheCutOffReply(t *testing.T) {
	for _, status := range []string{store.StatusInterrupted, store.StatusStopped, store.StatusError} {
		t.Run(status, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			c := h.exchange(t, "", "Count to five", "One, two,")
			replyID := c.Messages[1].ID
			errText := "boom"
			if _, err := h.st.UpdateMessage(ctx, replyID, store.MessageUpdate{Status: &status, Error: &errText}); err != nil {
				t.Fatal(err)
			}
			m, err := h.svc.Continue(ctx, replyID)
			if err != nil {
				t.Fatalf("Continue: %v", err)
			}
			if m.ID != replyID || m.Status != store.StatusStreaming || m.Content != "One, two," || m.Error != "" {
				t.Fatalf("Continue returned %+v", m.Message)
			}
			call := h.llm.next(t)
			last := call.req.Messages[len(call.req.Messages)-1]
			if len(call.req.Messages) != 2 || last.Role != "assistant" || last.Content != "One, two," {
				t.Fatalf("the model was asked %+v; want the question and the partial reply to continue", call.req.Messages)
			}
			call.send(t, " three,")
			// A client opening the conversation now sees the whole text so far, and how many
			// deltas of this continuation it already holds.
			got, err := h.svc.Get(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if live := got.Messages[1]; live.Content != "One, two, three," || live.Chunks != 1 {
				t.Fatalf("live reply = %q with %d chunks", live.Content, live.Chunks)
			}
			call.finish(t, " four, five.")
			final, _ := h.finished(t, replyID)
			if final.Content != "One, two, three, four, five." || final.Status != store.StatusDone {
				t.Fatalf("finished = %q %s", final.Content, final.Status)
			}
			if s := h.stored(t, replyID); s.Content != final.Content || s.Status != store.StatusDone {
				t.Fatalf("stored = %q %s", s.Content, s.Status)
			}
		})
	}
}

func TestContinueRefuses(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	done := h.exchange(t, "", "q", "complete")
	c := h.exchange(t, "", "q2", "cut")
	interrupted := store.StatusInterrupted
	empty := ""
	if _, err := h.st.UpdateMessage(ctx, c.Messages[1].ID, store.MessageUpdate{Status: &interrupted, Content: &empty}); err != nil {
		t.Fatal(err)
	}
	older := h.exchange(t, "", "q3", "old")
	if _, err := h.st.UpdateMessage(ctx, older.Messages[1].ID, store.MessageUpdate{Status: &interrupted}); err != nil {
		t.Fatal(err)
	}
	h.exchange(t, older.ID, "q4", "newer")
	tests := []struct {
		name, id string
		want     error
	}{
		{"a complete reply", done.Messages[1].ID, ErrInvalid},
		{"a reply with no text", c.Messages[1].ID, ErrInvalid},
		{"the person's message", done.Messages[0].ID, ErrInvalid},
		{"a reply that is not the last", older.Messages[1].ID, ErrInvalid},
		{"no id", "", ErrInvalid},
		{"an unknown message", "nope", store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.svc.Continue(ctx, tt.id); !errors.Is(err, tt.want) {
				t.Fatalf("Continue = %v, want %v", err, tt.want)
			}
		})
	}
	// Refusals leave the conversation free.
	h.exchange(t, done.ID, "again", "fine")
}

func TestDeleteCanBeUndone(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.exchange(t, "", "keep me", "kept")
	token, err := h.svc.Delete(ctx, c.ID)
	if err != nil || token == "" {
		t.Fatalf("Delete = %q, %v", token, err)
	}
	if _, err := h.svc.Get(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after delete = %v", err)
	}
	ids, err := h.svc.Restore(ctx, token)
	if err != nil || len(ids) != 1 || ids[0] != c.ID {
		t.Fatalf("Restore = %v, %v", ids, err)
	}
	h.waitFor(t, EventConversationUpdated, func(e event) bool { return e.Data["id"] == c.ID })
	got, err := h.svc.Get(ctx, c.ID)
	if err != nil || len(got.Messages) != 2 || got.Messages[1].Content != "kept" {
		t.Fatalf("restored = %+v, %v", got, err)
	}
	if _, err := h.svc.Restore(ctx, token); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Restore = %v, want ErrNotFound", err)
	}
	if _, err := h.svc.Restore(ctx, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Restore without a token = %v", err)
	}
}

func TestDeleteAllStopsRepliesAndCanBeUndone(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := h.exchange(t, "", "one", "1")
	b, call := h.send(t, "two")
	call.send(t, "partial")
	res, err := h.svc.DeleteAll(ctx)
	if err != nil || res.Count != 2 || res.UndoToken == "" {
		t.Fatalf("DeleteAll = %+v, %v", res, err)
	}
	if call.ctx.Err() == nil {
		t.Error("the streaming reply was not stopped")
	}
	if s := h.stored(t, b.Messages[1].ID); s.Status != store.StatusStopped || s.Content != "partial" {
		t.Errorf("the stopped reply was saved as %s %q", s.Status, s.Content)
	}
	h.waitFor(t, EventHistoryChanged, nil)
	if page, _ := h.svc.List(ctx, ListParams{}); len(page.Conversations) != 0 {
		t.Fatalf("%d conversations listed after delete all", len(page.Conversations))
	}
	if _, err := h.svc.Send(ctx, SendParams{ConversationID: a.ID, Content: "hello?"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Send into a deleted conversation = %v, want ErrNotFound", err)
	}
	ids, err := h.svc.Restore(ctx, res.UndoToken)
	if err != nil || len(ids) != 2 {
		t.Fatalf("Restore = %v, %v", ids, err)
	}
	if page, _ := h.svc.List(ctx, ListParams{}); len(page.Conversations) != 2 {
		t.Fatalf("%d conversations after undo, want 2", len(page.Conversations))
	}
	// Nothing to delete: no token to undo with.
	empty := newHarness(t)
	if res, err := empty.svc.DeleteAll(ctx); err != nil || res.Count != 0 || res.UndoToken != "" {
		t.Fatalf("DeleteAll of nothing = %+v, %v", res, err)
	}
}

func TestGetPageShowsTheLiveReply(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.exchange(t, "", "q1", "a1")
	h.exchange(t, c.ID, "q2", "a2")
	sent, err := h.svc.Send(ctx, SendParams{ConversationID: c.ID, Content: "q3"})
	if err != nil {
		t.Fatal(err)
	}
	call := h.llm.next(t)
	call.send(t, "grow", "ing")
	got, err := h.svc.GetPage(ctx, GetParams{ID: c.ID, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 3 || got.Window == nil || !got.HasBefore || got.HasAfter {
		t.Fatalf("window = %d messages, %+v", len(got.Messages), got.Window)
	}
	live := got.Messages[2]
	if live.ID != sent.Messages[5].ID || live.Content != "growing" || live.Chunks != 2 {
		t.Fatalf("live reply in the window = %+v", live)
	}
	call.finish(t)
	h.finished(t, live.ID)

	bad := []GetParams{{}, {ID: c.ID, Limit: -1}, {ID: c.ID, Around: "x"}, {ID: c.ID, Limit: 5, Before: ptr(1), After: ptr(0)}}
	for _, p := range bad {
		if _, err := h.svc.GetPage(ctx, p); !errors.Is(err, ErrInvalid) {
			t.Errorf("GetPage(%+v) = %v, want ErrInvalid", p, err)
		}
	}
	whole, err := h.svc.GetPage(ctx, GetParams{ID: c.ID})
	if err != nil || len(whole.Messages) != 6 || whole.Window != nil {
		t.Fatalf("GetPage without a limit = %d messages, window %+v, %v", len(whole.Messages), whole.Window, err)
	}
}

func TestSearchAndListInputErrorsAreInvalid(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.exchange(t, "", "where are the otters", "in the river")
	page, err := h.svc.Search(ctx, SearchParams{Query: "otters"})
	if err != nil || len(page.Results) != 1 {
		t.Fatalf("Search = %+v, %v", page, err)
	}
	for name, call := range map[string]func() error{
		"empty search":     func() error { _, err := h.svc.Search(ctx, SearchParams{Query: "  "}); return err },
		"forged cursor":    func() error { _, err := h.svc.Search(ctx, SearchParams{Query: "x", Cursor: "!"}); return err },
		"huge page":        func() error { _, err := h.svc.Search(ctx, SearchParams{Query: "x", Limit: 10000}); return err },
		"forged list page": func() error { _, err := h.svc.List(ctx, ListParams{Limit: 5, Cursor: "!"}); return err },
		"long tag": func() error {
			tags := []string{strings.Repeat("t", 100)}
			_, err := h.svc.Update(ctx, UpdateParams{ID: page.Results[0].ConversationID, Tags: &tags})
			return err
		},
	} {
		err := call()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
		if err != nil && strings.HasPrefix(err.Error(), "invalid request: invalid") {
			t.Errorf("%s: message %q repeats itself", name, err)
		}
	}
}

func TestAutoTitles(t *testing.T) {
	h := newHarness(t, WithAutoTitles(5*time.Second))
	ctx := context.Background()
	c, call := h.send(t, "Why is the sky blue during the day and red at sunset?")
	call.finish(t, "Rayleigh scattering.")
	h.finished(t, c.Messages[1].ID)

	title := h.llm.next(t)
	prompt := title.req.Messages[len(title.req.Messages)-1].Content
	if !strings.Contains(prompt, "Why is the sky blue") || !strings.Contains(prompt, "Rayleigh scattering.") {
		t.Fatalf("the title request does not show the exchange: %q", prompt)
	}
	title.send(t, `Title: "Why the Sky`, ` Changes Colour."`, "\nAnd more text that is not a title")
	ev, _ := h.waitFor(t, EventConversationUpdated, func(e event) bool { return e.Data["title"] == "Why the Sky Changes Colour" })
	if ev.Data["id"] != c.ID {
		t.Fatalf("title event for %v", ev.Data["id"])
	}
	if title.ctx.Err() == nil {
		// The first line was enough: the request is cut rather than left to ramble.
		eventually(t, "the title request is cancelled once the title is read", func() bool { return title.ctx.Err() != nil })
	}

	// Later exchanges do not retitle. (A title request is under way before message.finished
	// is published, so waiting for titling covers it.)
	h.exchange(t, c.ID, "And on Mars?", "Blue sunsets.")
	h.svc.titling.Wait()
	select {
	case extra := <-h.llm.calls:
		t.Fatalf("a second title was asked for: %+v", extra.req)
	default:
	}

	// A title the person types while the model thinks is kept.
	d, call := h.send(t, "Tell me about otters")
	call.finish(t, "They hold hands.")
	h.finished(t, d.Messages[1].ID)
	slow := h.llm.next(t)
	if _, err := h.svc.Update(ctx, UpdateParams{ID: d.ID, Title: ptr("My otter notes")}); err != nil {
		t.Fatal(err)
	}
	slow.finish(t, "Otters Holding Hands")
	h.svc.titling.Wait()
	got, _ := h.svc.Get(ctx, d.ID)
	if got.Title != "My otter notes" {
		t.Fatalf("the person's title was replaced by %q", got.Title)
	}

	// A model that fails leaves the first words.
	e, call := h.send(t, "What do badgers eat")
	call.finish(t, "Worms.")
	h.finished(t, e.Messages[1].ID)
	h.llm.next(t).end(t, llm.Stats{}, llm.ErrUnreachable)
	h.svc.titling.Wait()
	got, _ = h.svc.Get(ctx, e.ID)
	if got.Title != "What do badgers eat" {
		t.Fatalf("title after a failed request = %q", got.Title)
	}
}

func TestCleanTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sky Colours", "Sky Colours"},
		{`  "Sky Colours."  `, "Sky Colours"},
		{"Title: Sky Colours\nsecond line", "Sky Colours"},
		{"## **Sky Colours**", "Sky Colours"},
		{"“Quoted”", "Quoted"},
		{"one two three four five six seven eight nine ten", "one two three four five six seven eight…"},
		{"", ""},
		{"\n\n", ""},
		{`""`, ""},
		{"bell\a ring", "bell ring"},
	}
	for _, tt := range tests {
		if got := cleanTitle(tt.in); got != tt.want {
			t.Errorf("cleanTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
