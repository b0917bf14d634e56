package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

func TestSendStreamsPublishesAndPersists(t *testing.T) {
	h := newHarness(t)
	c, call := h.send(t, "Why is the   sky blue?\nAsking for a friend")

	if c.ID == "" || c.Title != "Why is the sky blue? Asking for a…" || c.Model != "m" {
		t.Errorf("new conversation = id %q title %q model %q", c.ID, c.Title, c.Model)
	}
	if len(c.Messages) != 2 {
		t.Fatalf("Send returned %d messages, want the question and the reply", len(c.Messages))
	}
	user, reply := c.Messages[0], c.Messages[1]
	if user.Role != store.RoleUser || user.Status != store.StatusDone || user.Content != "Why is the   sky blue?\nAsking for a friend" {
		t.Errorf("user message = %+v", user.Message)
	}
	if reply.Role != store.RoleAssistant || reply.Status != store.StatusStreaming || reply.Model != "m" || reply.Position != 1 {
		t.Errorf("reply = %+v", reply.Message)
	}
	if got := h.stored(t, reply.ID); got.Status != store.StatusStreaming {
		t.Errorf("the reply row is %q before the first token; it must exist as streaming", got.Status)
	}
	if len(call.req.Messages) != 1 || call.req.Messages[0].Role != "user" || call.req.Messages[0].Content != user.Content || call.req.Model != "m" {
		t.Errorf("model was asked %+v", call.req)
	}

	deltas := []string{"Ray", "leigh", " scat", "tering", "."}
	call.finish(t, deltas...)
	final, seen := h.finished(t, reply.ID)

	var names []string
	var gotDeltas []string
	for i, e := range seen {
		names = append(names, e.Name)
		if e.Name == EventMessageDelta {
			if e.Data["messageId"] != reply.ID || e.Data["conversationId"] != c.ID {
				t.Errorf("delta %d names message %v in %v", i, e.Data["messageId"], e.Data["conversationId"])
			}
			if idx := int(e.Data["index"].(float64)); idx != len(gotDeltas) {
				t.Errorf("delta index %d, want %d", idx, len(gotDeltas))
			}
			gotDeltas = append(gotDeltas, e.Data["delta"].(string))
		}
	}
	wantNames := []string{EventConversationUpdated, EventMessageStarted, EventMessageStarted}
	for range deltas {
		wantNames = append(wantNames, EventMessageDelta)
	}
	if fmt.Sprint(names) != fmt.Sprint(wantNames) {
		t.Errorf("events = %v\nwant     %v (then message.finished)", names, wantNames)
	}
	if strings.Join(gotDeltas, "") != "Rayleigh scattering." {
		t.Errorf("deltas = %q", gotDeltas)
	}
	if len(seen) >= 3 {
		if m := seen[1].Data["message"].(map[string]any); m["id"] != user.ID {
			t.Errorf("first message.started is %v, want the user's message", m["id"])
		}
		if m := seen[2].Data["message"].(map[string]any); m["id"] != reply.ID || m["status"] != "streaming" {
			t.Errorf("second message.started is %v, want the streaming reply", m)
		}
	}

	for _, m := range []store.Message{final.Message, h.stored(t, reply.ID)} {
		if m.Status != store.StatusDone || m.Content != "Rayleigh scattering." || m.EvalTokens != 5 || m.EvalDurationMs != 1500 || m.Error != "" {
			t.Errorf("finished reply = %+v", m)
		}
	}
	got, err := h.svc.Get(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Messages[1].Chunks != 0 || got.Messages[1].Content != "Rayleigh scattering." {
		t.Errorf("Get after the reply = %+v", got.Messages[1])
	}
}

func TestSendValidatesAndLosesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	existing := h.exchange(t, "", "first", "ok")
	tests := []struct {
		name string
		p    SendParams
		want error
	}{
		{"empty", SendParams{Model: "m", Content: ""}, ErrInvalid},
		{"blank", SendParams{Model: "m", Content: " \n\t"}, ErrInvalid},
		{"too large", SendParams{Model: "m", Content: strings.Repeat("a", MaxContentBytes+1)}, ErrTooLarge},
		{"too large is invalid too", SendParams{Model: "m", Content: strings.Repeat("a", MaxContentBytes+1)}, ErrInvalid},
		{"not UTF-8", SendParams{Model: "m", Content: "\xff\xfe"}, ErrInvalid},
		{"no model for a new conversation", SendParams{Content: "hi"}, ErrInvalid},
		{"model name with a newline", SendParams{Model: "a\nb", Content: "hi"}, ErrInvalid},
		{"unknown conversation", SendParams{ConversationID: "nope", Content: "hi"}, store.ErrNotFound},
		{"empty into an existing conversation", SendParams{ConversationID: existing.ID, Content: ""}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.svc.Send(ctx, tt.p)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
	list, _ := h.svc.List(ctx, ListParams{})
	got, _ := h.svc.Get(ctx, existing.ID)
	if len(list.Conversations) != 1 || len(got.Messages) != 2 {
		t.Fatalf("refused sends changed the history: %d conversations, %d messages", len(list.Conversations), len(got.Messages))
	}
	// A refused send leaves the conversation free.
	h.exchange(t, existing.ID, "second", "fine")
}

func TestSendAtMaxSizeIsAccepted(t *testing.T) {
	h := newHarness(t)
	c, call := h.send(t, strings.Repeat("a", MaxContentBytes))
	call.finish(t, "ok")
	h.finished(t, c.Messages[1].ID)
	if got := h.stored(t, c.Messages[0].ID); len(got.Content) != MaxContentBytes {
		t.Fatalf("stored %d bytes", len(got.Content))
	}
}

func TestSendModelAndHistory(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	temp, numCtx := 0.3, 4096
	c, err := h.svc.Create(ctx, CreateParams{Model: "first", SystemPrompt: "Be brief.", Temperature: &temp, NumCtx: &numCtx})
	if err != nil {
		t.Fatal(err)
	}

	// No model: the conversation's.
	if _, err := h.svc.Send(ctx, SendParams{ConversationID: c.ID, Content: "one"}); err != nil {
		t.Fatal(err)
	}
	call := h.llm.next(t)
	wantMsgs := []llm.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "one"}}
	if call.req.Model != "first" || fmt.Sprint(call.req.Messages) != fmt.Sprint(wantMsgs) {
		t.Errorf("request = %+v", call.req)
	}
	if o := call.req.Options; o.Temperature == nil || *o.Temperature != temp || o.NumCtx == nil || *o.NumCtx != numCtx {
		t.Errorf("options = %+v", o)
	}
	call.finish(t, "un")
	h.waitFor(t, EventMessageFinished, nil)

	// A model given: used, and remembered by the conversation.
	sent, err := h.svc.Send(ctx, SendParams{ConversationID: c.ID, Model: "second", Content: "two"})
	if err != nil {
		t.Fatal(err)
	}
	call = h.llm.next(t)
	wantMsgs = append(wantMsgs, llm.Message{Role: "assistant", Content: "un"}, llm.Message{Role: "user", Content: "two"})
	if call.req.Model != "second" || fmt.Sprint(call.req.Messages) != fmt.Sprint(wantMsgs) {
		t.Errorf("request = %+v", call.req)
	}
	if sent.Model != "second" || sent.Messages[3].Model != "second" {
		t.Errorf("conversation model %q, reply model %q; want second", sent.Model, sent.Messages[3].Model)
	}
	call.finish(t, "deux")
	h.waitFor(t, EventMessageFinished, nil)
	if sent.Title != "one" {
		t.Errorf("title = %q, want it made from the first message", sent.Title)
	}
}

func TestBusyConversation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	done := h.exchange(t, "", "earlier", "answer")
	c, err := h.svc.Send(ctx, SendParams{ConversationID: done.ID, Content: "now"})
	if err != nil {
		t.Fatal(err)
	}
	call := h.llm.next(t)
	call.send(t, "part")
	tests := []struct {
		name string
		call func() error
	}{
		{"send", func() error {
			_, err := h.svc.Send(ctx, SendParams{ConversationID: c.ID, Content: "again"})
			return err
		}},
		{"regenerate", func() error { _, err := h.svc.Regenerate(ctx, c.ID); return err }},
		{"retry an earlier reply", func() error {
			stopped := store.StatusStopped
			if _, err := h.st.UpdateMessage(ctx, done.Messages[1].ID, store.MessageUpdate{Status: &stopped}); err != nil {
				return err
			}
			_, err := h.svc.Retry(ctx, done.Messages[1].ID)
			return err
		}},
		{"edit", func() error { _, err := h.svc.Edit(ctx, c.Messages[0].ID, "changed"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrBusy) {
				t.Fatalf("error = %v, want ErrBusy", err)
			}
		})
	}
	// Another conversation is not affected.
	h.exchange(t, "", "elsewhere", "fine")

	call.finish(t, "!")
	h.finished(t, c.Messages[3].ID)
	// As soon as message.finished is out, the conversation is free.
	if _, err := h.svc.Send(ctx, SendParams{ConversationID: c.ID, Content: "next"}); err != nil {
		t.Fatalf("send right after message.finished: %v", err)
	}
	h.llm.next(t).finish(t, "ok")
}

func TestFailuresKeepPartialContent(t *testing.T) {
	tests := []struct {
		name   string
		deltas []string
		err    error
		want   string
	}{
		{"before any token", nil, fmt.Errorf("dial: %w", llm.ErrUnreachable), "not reachable"},
		{"mid-reply", []string{"Half ", "a "}, fmt.Errorf("EOF: %w", llm.ErrUnreachable), "middle of the reply"},
		{"unknown model", nil, fmt.Errorf("chat: %w", llm.ErrModelNotFound), "ollama pull m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c, call := h.send(t, "question")
			call.send(t, tt.deltas...)
			call.end(t, llm.Stats{}, tt.err)
			final, _ := h.finished(t, c.Messages[1].ID)
			for _, m := range []store.Message{final.Message, h.stored(t, final.ID)} {
				if m.Status != store.StatusError || m.Content != strings.Join(tt.deltas, "") || !strings.Contains(m.Error, tt.want) {
					t.Errorf("reply = %s %q %q, want error with %q mentioning %q", m.Status, m.Content, m.Error, strings.Join(tt.deltas, ""), tt.want)
				}
			}
		})
	}
}

func TestGetShowsLiveContent(t *testing.T) {
	h := newHarness(t)
	h.svc.flushEvery = time.Hour // nothing reaches the database while this test looks
	c, call := h.send(t, "q")
	call.send(t, "a", "b", "c")
	replyID := c.Messages[1].ID

	var got Conversation
	eventually(t, "Get shows three chunks", func() bool {
		var err error
		got, err = h.svc.Get(context.Background(), c.ID)
		return err == nil && got.Messages[1].Chunks == 3
	})
	if got.Messages[1].Content != "abc" || got.Messages[1].Status != store.StatusStreaming {
		t.Errorf("live reply = %+v", got.Messages[1])
	}
	if stored := h.stored(t, replyID); stored.Content != "" {
		t.Errorf("stored content %q: the test expected no flush yet", stored.Content)
	}
	raw, _ := json.Marshal(got)
	var wire struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil || len(wire.Messages) != 2 {
		t.Fatalf("JSON %s", raw)
	}
	if wire.Messages[1]["chunks"] != 3.0 || wire.Messages[1]["content"] != "abc" {
		t.Errorf("JSON reply = %v", wire.Messages[1])
	}
	if _, ok := wire.Messages[0]["chunks"]; ok {
		t.Errorf("a finished message carries chunks: %v", wire.Messages[0])
	}
	call.finish(t, "d")
	h.finished(t, replyID)
}

func TestFlushIsBatched(t *testing.T) {
	t.Run("no write per token", func(t *testing.T) {
		h := newHarness(t)
		h.svc.flushEvery = time.Hour
		c, call := h.send(t, "q")
		want := ""
		for i := 0; i < 200; i++ {
			d := fmt.Sprintf("t%d ", i)
			call.send(t, d)
			want += d
		}
		if got := h.stored(t, c.Messages[1].ID); got.Content != "" {
			t.Fatalf("after 200 tokens within the flush interval the row holds %d bytes; it must not be written per token", len(got.Content))
		}
		call.finish(t)
		h.finished(t, c.Messages[1].ID)
		if got := h.stored(t, c.Messages[1].ID); got.Content != want || got.Status != store.StatusDone {
			t.Fatalf("final row = %s with %d bytes, want done with %d", got.Status, len(got.Content), len(want))
		}
	})
	t.Run("grows while streaming", func(t *testing.T) {
		h := newHarness(t)
		h.svc.flushEvery = 10 * time.Millisecond
		c, call := h.send(t, "q")
		call.send(t, "partial ", "reply")
		eventually(t, "the partial reply is saved while it streams", func() bool {
			m := h.stored(t, c.Messages[1].ID)
			return m.Content == "partial reply" && m.Status == store.StatusStreaming
		})
		call.finish(t)
		h.finished(t, c.Messages[1].ID)
	})
}

func TestSummaryEventsMatchTheAPI(t *testing.T) {
	h := newHarness(t)
	c, call := h.send(t, "hello")
	ev, _ := h.waitFor(t, EventConversationUpdated, nil)
	for _, k := range []string{"id", "title", "model", "createdAt", "updatedAt"} {
		if _, ok := ev.Data[k]; !ok {
			t.Errorf("conversation.updated lacks %s: %s", k, ev.raw)
		}
	}
	if _, ok := ev.Data["messages"]; ok {
		t.Errorf("conversation.updated carries messages: %s", ev.raw)
	}
	if ev.Data["id"] != c.ID {
		t.Errorf("conversation.updated for %v, want %s", ev.Data["id"], c.ID)
	}
	if ts, _ := ev.Data["updatedAt"].(string); func() error { _, err := time.Parse(time.RFC3339, ts); return err }() != nil {
		t.Errorf("updatedAt %q is not RFC 3339", ts)
	}
	call.finish(t, "hi")
	h.finished(t, c.Messages[1].ID)
}
