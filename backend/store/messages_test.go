package store

import (
	"context"
	"testing"
)

func newConversation(t *testing.T, st *Store, msgs ...Message) Conversation {
	t.Helper()
	c := Conversation{Messages: msgs}
	if err := st.CreateConversation(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUpdateMessage(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	c := newConversation(t, st, Message{Role: RoleUser, Content: "q"}, Message{Role: RoleAssistant, Status: StatusStreaming})
	reply := c.Messages[1]
	if err := st.SetMessageContent(ctx, reply.ID, "partial"); err != nil {
		t.Fatal(err)
	}
	got, err := st.UpdateMessage(ctx, reply.ID, MessageUpdate{
		Content: ptr("partial and more"), Status: ptr(StatusDone), EvalTokens: ptr(12), EvalDurationMs: ptr(int64(340)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != "partial and more" || got.Status != StatusDone || got.EvalTokens != 12 || got.EvalDurationMs != 340 {
		t.Fatalf("updated message = %+v", got)
	}
	if !got.UpdatedAt.After(reply.UpdatedAt) {
		t.Errorf("updatedAt %v not after %v", got.UpdatedAt, reply.UpdatedAt)
	}
	if got.Role != RoleAssistant || got.Position != 1 || got.Error != "" {
		t.Errorf("fields not in the update changed: %+v", got)
	}
}

func TestInvalidValuesAreRefusedAndLoseNothing(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	c := newConversation(t, st, Message{Role: RoleUser, Content: "keep me"})
	tests := []struct {
		name string
		call func() error
	}{
		{"unknown status", func() error {
			_, err := st.UpdateMessage(ctx, c.Messages[0].ID, MessageUpdate{Content: ptr("lost?"), Status: ptr("bogus")})
			return err
		}},
		{"unknown role", func() error { return st.AppendMessages(ctx, c.ID, &Message{Role: "system", Content: "x"}) }},
		{"one bad message of two", func() error {
			return st.AppendMessages(ctx, c.ID, &Message{Role: RoleUser, Content: "x"}, &Message{Role: "robot"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err == nil {
				t.Fatal("accepted")
			}
			got, err := st.GetConversation(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Messages) != 1 || got.Messages[0].Content != "keep me" || got.Messages[0].Status != StatusDone {
				t.Fatalf("messages after a refused write: %+v", got.Messages)
			}
		})
	}
}

func TestDeleteMessagesAfter(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	msgs := []Message{{Role: RoleUser, Content: "0"}, {Role: RoleAssistant, Content: "1"}, {Role: RoleUser, Content: "2"}, {Role: RoleAssistant, Content: "3"}}
	tests := []struct {
		after     int
		wantGone  int64
		wantCount int
	}{
		{3, 0, 4},
		{1, 2, 2},
		{-1, 4, 0},
	}
	for _, tt := range tests {
		c := newConversation(t, st, msgs...)
		other := newConversation(t, st, msgs...)
		n, err := st.DeleteMessagesAfter(ctx, c.ID, tt.after)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := st.GetConversation(ctx, c.ID)
		if n != tt.wantGone || len(got.Messages) != tt.wantCount {
			t.Errorf("after %d: deleted %d leaving %d, want %d leaving %d", tt.after, n, len(got.Messages), tt.wantGone, tt.wantCount)
		}
		if o, _ := st.GetConversation(ctx, other.ID); len(o.Messages) != len(msgs) {
			t.Errorf("after %d: another conversation lost messages", tt.after)
		}
		// The next message goes right after what is left, not after what was there.
		m := Message{Role: RoleUser, Content: "next"}
		if err := st.AppendMessages(ctx, c.ID, &m); err != nil {
			t.Fatal(err)
		}
		if m.Position != tt.wantCount {
			t.Errorf("after %d: next message got position %d, want %d", tt.after, m.Position, tt.wantCount)
		}
	}
}

func TestMarkStreamingInterrupted(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	a := newConversation(t, st, Message{Role: RoleUser, Content: "q"}, Message{Role: RoleAssistant, Status: StatusStreaming})
	b := newConversation(t, st, Message{Role: RoleUser, Content: "q"}, Message{Role: RoleAssistant, Status: StatusStreaming})
	done := newConversation(t, st, Message{Role: RoleUser, Content: "q"}, Message{Role: RoleAssistant, Content: "fine", Status: StatusDone})
	if err := st.SetMessageContent(ctx, a.Messages[1].ID, "half a rep"); err != nil {
		t.Fatal(err)
	}
	n, err := st.MarkStreamingInterrupted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("marked %d, want 2", n)
	}
	tests := []struct {
		id, wantStatus, wantContent string
	}{
		{a.Messages[1].ID, StatusInterrupted, "half a rep"},
		{b.Messages[1].ID, StatusInterrupted, ""},
		{done.Messages[1].ID, StatusDone, "fine"},
		{a.Messages[0].ID, StatusDone, "q"},
	}
	for _, tt := range tests {
		m, err := st.GetMessage(ctx, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != tt.wantStatus || m.Content != tt.wantContent {
			t.Errorf("message %s: %s %q, want %s %q", tt.id, m.Status, m.Content, tt.wantStatus, tt.wantContent)
		}
	}
	if n, _ := st.MarkStreamingInterrupted(ctx); n != 0 {
		t.Errorf("second sweep marked %d", n)
	}
}

func TestTransactionRollsBack(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	c := newConversation(t, st, Message{Role: RoleUser, Content: "original"})
	err := st.Transaction(ctx, func(tx *Store) error {
		if _, err := tx.UpdateMessage(ctx, c.Messages[0].ID, MessageUpdate{Content: ptr("edited")}); err != nil {
			return err
		}
		if _, err := tx.DeleteMessagesAfter(ctx, c.ID, -1); err != nil {
			return err
		}
		return tx.AppendMessages(ctx, c.ID, &Message{Role: "bad"})
	})
	if err == nil {
		t.Fatal("transaction with a bad write succeeded")
	}
	got, err := st.GetConversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 || got.Messages[0].Content != "original" {
		t.Fatalf("rolled-back transaction left %+v", got.Messages)
	}
}
