package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

func TestStopKeepsPartialReply(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c, call := h.send(t, "q")
	call.send(t, "one ", "two ")
	if err := h.svc.Stop(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	// Stop returns once the reply is saved: no waiting needed.
	if got := h.stored(t, c.Messages[1].ID); got.Status != store.StatusStopped || got.Content != "one two " {
		t.Fatalf("after Stop the row is %s %q", got.Status, got.Content)
	}
	if call.ctx.Err() == nil {
		t.Error("the model's request was not cancelled")
	}
	final, _ := h.finished(t, c.Messages[1].ID)
	if final.Status != store.StatusStopped || final.Content != "one two " || final.Error != "" {
		t.Errorf("message.finished = %+v", final.Message)
	}

	tests := []struct {
		name string
		id   string
		want error
	}{
		{"nothing streaming", c.ID, nil},
		{"unknown conversation", "nope", store.ErrNotFound},
		{"no id", "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.svc.Stop(ctx, tt.id); !errors.Is(err, tt.want) {
				t.Fatalf("Stop = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c, call := h.send(t, "q")
	replyID := c.Messages[1].ID
	call.send(t, "broken ")
	call.end(t, llm.Stats{}, fmt.Errorf("gone: %w", llm.ErrUnreachable))
	h.finished(t, replyID)

	m, err := h.svc.Retry(ctx, replyID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != replyID || m.Status != store.StatusStreaming || m.Content != "" || m.Error != "" {
		t.Errorf("Retry returned %+v, want the same reply, streaming, emptied", m.Message)
	}
	ev, _ := h.waitFor(t, EventMessageStarted, nil)
	if ev.Data["message"].(map[string]any)["id"] != replyID {
		t.Errorf("message.started for %v", ev.Data["message"])
	}
	call = h.llm.next(t)
	if want := []llm.Message{{Role: "user", Content: "q"}}; fmt.Sprint(call.req.Messages) != fmt.Sprint(want) {
		t.Errorf("retry asked %v, want only the question (not the failed attempt)", call.req.Messages)
	}
	call.finish(t, "fixed")
	final, seen := h.finished(t, replyID)
	for _, e := range seen {
		if e.Name == EventMessageDelta && e.Data["index"] != 0.0 {
			t.Errorf("the retried reply's first delta has index %v, want 0", e.Data["index"])
		}
	}
	if final.Content != "fixed" || final.Status != store.StatusDone {
		t.Errorf("retried reply = %+v", final.Message)
	}
	got, _ := h.svc.Get(ctx, c.ID)
	if len(got.Messages) != 2 {
		t.Fatalf("after retry the conversation has %d messages, want 2 (no duplicate question)", len(got.Messages))
	}

	tests := []struct {
		name string
		id   string
		want error
	}{
		{"a complete reply", replyID, ErrInvalid},
		{"the person's message", c.Messages[0].ID, ErrInvalid},
		{"unknown message", "nope", store.ErrNotFound},
		{"no id", "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.svc.Retry(ctx, tt.id); !errors.Is(err, tt.want) {
				t.Fatalf("Retry = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRetryStoppedAndInterrupted(t *testing.T) {
	for _, status := range []string{store.StatusStopped, store.StatusInterrupted} {
		t.Run(status, func(t *testing.T) {
			h := newHarness(t)
			ctx := context.Background()
			c := h.exchange(t, "", "q", "partial")
			replyID := c.Messages[1].ID
			if _, err := h.st.UpdateMessage(ctx, replyID, store.MessageUpdate{Status: &status}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.svc.Retry(ctx, replyID); err != nil {
				t.Fatalf("Retry of a %s reply: %v", status, err)
			}
			h.llm.next(t).finish(t, "whole")
			if final, _ := h.finished(t, replyID); final.Content != "whole" {
				t.Errorf("content %q", final.Content)
			}
		})
	}
}

func TestRegenerate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.exchange(t, "", "q1", "a1")
	c = h.exchange(t, c.ID, "q2", "a2")
	last := c.Messages[3].ID

	m, err := h.svc.Regenerate(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != last || m.Status != store.StatusStreaming {
		t.Errorf("Regenerate returned %+v, want the last reply streaming again", m.Message)
	}
	call := h.llm.next(t)
	want := []llm.Message{{Role: "user", Content: "q1"}, {Role: "assistant", Content: "a1"}, {Role: "user", Content: "q2"}}
	if fmt.Sprint(call.req.Messages) != fmt.Sprint(want) {
		t.Errorf("regenerate asked %v", call.req.Messages)
	}
	call.finish(t, "a2 again")
	h.finished(t, last)
	got, _ := h.svc.Get(ctx, c.ID)
	if len(got.Messages) != 4 || got.Messages[3].Content != "a2 again" || got.Messages[1].Content != "a1" {
		t.Fatalf("after regenerate: %d messages, last %q", len(got.Messages), got.Messages[len(got.Messages)-1].Content)
	}

	// A conversation whose last message never got a reply gets one.
	if _, err := h.st.DeleteMessagesAfter(ctx, c.ID, 2); err != nil {
		t.Fatal(err)
	}
	m, err = h.svc.Regenerate(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Position != 3 || m.Role != store.RoleAssistant {
		t.Errorf("reply written after the question: %+v", m.Message)
	}
	h.llm.next(t).finish(t, "late")
	h.finished(t, m.ID)

	empty, _ := h.svc.Create(ctx, CreateParams{Model: "m"})
	for name, tt := range map[string]struct {
		id   string
		want error
	}{
		"empty conversation":   {empty.ID, ErrInvalid},
		"unknown conversation": {"nope", store.ErrNotFound},
	} {
		if _, err := h.svc.Regenerate(ctx, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("%s: Regenerate = %v, want %v", name, err, tt.want)
		}
	}
}

func TestEdit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.exchange(t, "", "first question", "a1")
	c = h.exchange(t, c.ID, "q2", "a2")

	got, err := h.svc.Edit(ctx, c.Messages[0].ID, "better question")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 2 || got.Messages[0].Content != "better question" || got.Messages[0].ID != c.Messages[0].ID ||
		got.Messages[1].Status != store.StatusStreaming || got.Messages[1].Position != 1 {
		t.Fatalf("after edit: %+v", got.Messages)
	}
	if got.Title != "better question" {
		t.Errorf("title %q: an automatic title should follow the edited first message", got.Title)
	}
	call := h.llm.next(t)
	if want := []llm.Message{{Role: "user", Content: "better question"}}; fmt.Sprint(call.req.Messages) != fmt.Sprint(want) {
		t.Errorf("edit asked %v", call.req.Messages)
	}
	call.finish(t, "better answer")
	h.finished(t, got.Messages[1].ID)
	for _, old := range c.Messages[1:] {
		if _, err := h.st.GetMessage(ctx, old.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("message %d after the edited one still exists", old.Position)
		}
	}

	// A title the person chose stays.
	title := "Mine"
	if _, err := h.svc.Update(ctx, UpdateParams{ID: c.ID, Title: &title}); err != nil {
		t.Fatal(err)
	}
	got, err = h.svc.Edit(ctx, c.Messages[0].ID, "third try")
	if err != nil {
		t.Fatal(err)
	}
	h.llm.next(t).finish(t, "ok")
	h.finished(t, got.Messages[1].ID)
	if got.Title != "Mine" {
		t.Errorf("title %q, want the person's", got.Title)
	}

	tests := []struct {
		name, id, content string
		want              error
	}{
		{"a reply", got.Messages[1].ID, "x", ErrInvalid},
		{"empty content", got.Messages[0].ID, "  ", ErrInvalid},
		{"unknown message", "nope", "x", store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.svc.Edit(ctx, tt.id, tt.content); !errors.Is(err, tt.want) {
				t.Fatalf("Edit = %v, want %v", err, tt.want)
			}
		})
	}
	after, _ := h.svc.Get(ctx, c.ID)
	if len(after.Messages) != 2 || after.Messages[0].Content != "third try" || after.Messages[1].Content != "ok" {
		t.Fatalf("refused edits changed the conversation: %+v", after.Messages)
	}
}

func TestDeleteStopsTheReply(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c, call := h.send(t, "q")
	call.send(t, "x")
	if _, err := h.svc.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if call.ctx.Err() == nil {
		t.Error("the model's request was not cancelled")
	}
	h.waitFor(t, EventConversationDeleted, func(e event) bool { return e.Data["id"] == c.ID })
	if _, err := h.svc.Get(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after Delete = %v", err)
	}
	if _, err := h.svc.Delete(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Delete = %v, want ErrNotFound", err)
	}
	// The id is free again (no claim left behind).
	if err := h.svc.Stop(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Stop after Delete = %v", err)
	}
}

func TestShutdownSavesRepliesAsInterrupted(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a, callA := h.send(t, "a")
	b, callB := h.send(t, "b")
	callA.send(t, "partial a")
	callB.send(t, "partial b")
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h.svc.Shutdown(sctx)
	for _, tt := range []struct{ id, content string }{{a.Messages[1].ID, "partial a"}, {b.Messages[1].ID, "partial b"}} {
		if got := h.stored(t, tt.id); got.Status != store.StatusInterrupted || got.Content != tt.content {
			t.Errorf("after Shutdown the reply is %s %q, want interrupted %q", got.Status, got.Content, tt.content)
		}
	}
	if _, err := h.svc.Send(ctx, SendParams{Model: "m", Content: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Shutdown = %v, want ErrClosed", err)
	}
	if _, err := h.svc.Send(ctx, SendParams{ConversationID: a.ID, Content: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Shutdown = %v, want ErrClosed", err)
	}
	// Nothing is left streaming in the database.
	if n, _ := h.st.MarkStreamingInterrupted(ctx); n != 0 {
		t.Errorf("%d replies left streaming", n)
	}
}

func TestServiceContextEndsGenerations(t *testing.T) {
	h := newHarness(t)
	c, call := h.send(t, "q")
	call.send(t, "so far")
	h.stop()
	final, _ := h.finished(t, c.Messages[1].ID)
	if final.Status != store.StatusInterrupted || final.Content != "so far" {
		t.Fatalf("reply = %s %q", final.Status, final.Content)
	}
	if got := h.stored(t, final.ID); got.Status != store.StatusInterrupted || got.Content != "so far" {
		t.Fatalf("stored reply = %s %q", got.Status, got.Content)
	}
}

func TestNewClosesRepliesLeftByACrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Conversation{Model: "m", Messages: []store.Message{
		{Role: store.RoleUser, Content: "q"},
		{Role: store.RoleAssistant, Status: store.StatusStreaming, Content: "flushed part"},
	}}
	if err := st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	st.Close() // as if the process died here

	st, err = store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	svc := New(ctx, st, newFakeProvider(), events.NewBus(10), slog.New(slog.NewTextHandler(&logs, nil)))
	got, err := svc.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Messages[1]; m.Status != store.StatusInterrupted || m.Content != "flushed part" {
		t.Fatalf("leftover reply = %s %q, want interrupted with its content", m.Status, m.Content)
	}
	if !bytes.Contains(logs.Bytes(), []byte("count=1")) {
		t.Errorf("the sweep was not logged: %s", logs.String())
	}
	svc.Shutdown(ctx)
}

func TestCreateAndUpdate(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c, err := h.svc.Create(ctx, CreateParams{Model: "m", SystemPrompt: "sys"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Messages == nil || len(c.Messages) != 0 || c.SystemPrompt != "sys" {
		t.Fatalf("created %+v", c)
	}
	if ev, _ := h.waitFor(t, EventConversationUpdated, nil); ev.Data["id"] != c.ID {
		t.Errorf("conversation.updated for %v", ev.Data["id"])
	}

	// The API layer decodes arguments strictly into these params; null must clear.
	decode := func(raw string) (UpdateParams, error) {
		var p UpdateParams
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.DisallowUnknownFields()
		err := dec.Decode(&p)
		return p, err
	}
	steps := []struct {
		args     string
		wantErr  error
		title    string
		temp     *float64
		numCtx   *int
		model    string
		sysPromt string
	}{
		{fmt.Sprintf(`{"id":%q,"temperature":0.5,"numCtx":8192}`, c.ID), nil, "", ptr(0.5), ptr(8192), "m", "sys"},
		{fmt.Sprintf(`{"id":%q,"title":"  My   chat "}`, c.ID), nil, "My chat", ptr(0.5), ptr(8192), "m", "sys"},
		{fmt.Sprintf(`{"id":%q,"temperature":null}`, c.ID), nil, "My chat", nil, ptr(8192), "m", "sys"},
		{fmt.Sprintf(`{"id":%q,"model":"other","systemPrompt":"","numCtx":null}`, c.ID), nil, "My chat", nil, nil, "other", ""},
		{fmt.Sprintf(`{"id":%q,"temperature":9}`, c.ID), ErrInvalid, "My chat", nil, nil, "other", ""},
		{fmt.Sprintf(`{"id":%q,"numCtx":0}`, c.ID), ErrInvalid, "My chat", nil, nil, "other", ""},
		{fmt.Sprintf(`{"id":%q,"title":"   "}`, c.ID), ErrInvalid, "My chat", nil, nil, "other", ""},
		{`{"id":"nope","title":"x"}`, store.ErrNotFound, "My chat", nil, nil, "other", ""},
		{`{"title":"x"}`, ErrInvalid, "My chat", nil, nil, "other", ""},
	}
	for _, s := range steps {
		p, err := decode(s.args)
		if err != nil {
			t.Fatalf("decode %s: %v", s.args, err)
		}
		_, err = h.svc.Update(ctx, p)
		if !errors.Is(err, s.wantErr) {
			t.Fatalf("Update %s = %v, want %v", s.args, err, s.wantErr)
		}
		got, err := h.svc.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != s.title || !eqPtr(got.Temperature, s.temp) || !eqPtr(got.NumCtx, s.numCtx) || got.Model != s.model || got.SystemPrompt != s.sysPromt {
			t.Fatalf("after %s: title %q temp %v ctx %v model %q prompt %q", s.args, got.Title, got.Temperature, got.NumCtx, got.Model, got.SystemPrompt)
		}
	}

	for name, p := range map[string]CreateParams{
		"temperature below 0": {Temperature: ptr(-0.1)},
		"negative context":    {NumCtx: ptr(-1)},
		"huge system prompt":  {SystemPrompt: string(make([]byte, MaxContentBytes+1))},
	} {
		if _, err := h.svc.Create(ctx, p); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create with %s = %v, want ErrInvalid", name, err)
		}
	}
	if list, _ := h.svc.List(ctx, ListParams{}); len(list.Conversations) != 1 {
		t.Errorf("refused creates left %d conversations", len(list.Conversations))
	}
}

func ptr[T any](v T) *T { return &v }

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestTitleFrom(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Hello"},
		{"  spaced\n\tout  words ", "spaced out words"},
		{"one two three four five six seven eight", "one two three four five six seven eight"},
		{"one two three four five six seven eight nine", "one two three four five six seven eight…"},
		{"Supercalifragilisticexpialidocious-and-then-some-more-characters-to-pass-sixty", "Supercalifragilisticexpialidocious-and-then-some-more-charac…"},
		{"日本語のタイトル", "日本語のタイトル"},
	}
	for _, tt := range tests {
		if got := titleFrom(tt.in); got != tt.want {
			t.Errorf("titleFrom(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
