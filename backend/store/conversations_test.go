package store

import (
	"context"
	"errors"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestListNewestFirst(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var a, b, c Conversation
	for _, conv := range []*Conversation{&a, &b, &c} {
		if err := st.CreateConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []string {
		page, err := st.ListConversations(ctx, ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range page.Conversations {
			if c.Messages != nil {
				t.Errorf("list returned messages for %s", c.ID)
			}
			out = append(out, c.ID)
		}
		return out
	}
	steps := []struct {
		name string
		act  func() error
		want []string
	}{
		{"creation order", func() error { return nil }, []string{c.ID, b.ID, a.ID}},
		{"renamed moves up", func() error {
			_, err := st.UpdateConversation(ctx, a.ID, ConversationPatch{Title: ptr("a")})
			return err
		}, []string{a.ID, c.ID, b.ID}},
		{"new message moves up", func() error {
			return st.AppendMessages(ctx, b.ID, &Message{Role: RoleUser, Content: "hi"})
		}, []string{b.ID, a.ID, c.ID}},
		{"deleted leaves", func() error { return st.DeleteConversation(ctx, a.ID) }, []string{b.ID, c.ID}},
	}
	for _, s := range steps {
		if err := s.act(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := ids()
		if len(got) != len(s.want) {
			t.Fatalf("%s: list = %v, want %v", s.name, got, s.want)
		}
		for i := range got {
			if got[i] != s.want[i] {
				t.Fatalf("%s: list = %v, want %v", s.name, got, s.want)
			}
		}
	}
}

func TestCreateWithMessagesAndGetInOrder(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	c := Conversation{Title: "t", Model: "m", Messages: []Message{
		{Role: RoleUser, Content: "one"},
		{Role: RoleAssistant, Content: "two", Status: StatusStreaming},
	}}
	if err := st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	more := []*Message{{Role: RoleUser, Content: "three"}, {Role: RoleAssistant, Content: "four"}}
	if err := st.AppendMessages(ctx, c.ID, more...); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetConversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		content, status string
	}{{"one", StatusDone}, {"two", StatusStreaming}, {"three", StatusDone}, {"four", StatusDone}}
	if len(got.Messages) != len(want) {
		t.Fatalf("%d messages, want %d", len(got.Messages), len(want))
	}
	for i, m := range got.Messages {
		if m.Position != i || m.Content != want[i].content || m.Status != want[i].status || m.ConversationID != c.ID {
			t.Errorf("message %d = %+v, want position %d %+v", i, m, i, want[i])
		}
	}
	if more[1].ID != got.Messages[3].ID || more[1].Position != 3 {
		t.Errorf("AppendMessages did not fill in the message: %+v", more[1])
	}
}

func TestGetEmptyConversationHasEmptyMessages(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var c Conversation
	if err := st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetConversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Messages == nil {
		t.Fatal("Messages is nil; it must marshal as [] for a conversation")
	}
}

func TestUpdateConversationParameters(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	c := Conversation{Title: "old", Model: "m1", Temperature: ptr(0.5), NumCtx: ptr(2048)}
	if err := st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		patch     ConversationPatch
		wantTitle string
		wantTemp  *float64
		wantCtx   *int
	}{
		{"unset fields stay", ConversationPatch{Title: ptr("new")}, "new", ptr(0.5), ptr(2048)},
		{"set a value", ConversationPatch{Temperature: NullableOf(1.25)}, "new", ptr(1.25), ptr(2048)},
		{"null clears", ConversationPatch{NumCtx: NullableNull[int]()}, "new", ptr(1.25), nil},
		{"clear and set together", ConversationPatch{Temperature: NullableNull[float64](), NumCtx: NullableOf(4096)}, "new", nil, ptr(4096)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.UpdateConversation(ctx, c.ID, tt.patch)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := st.GetConversation(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range []Conversation{got, stored} {
				if g.Title != tt.wantTitle || !eqPtr(g.Temperature, tt.wantTemp) || !eqPtr(g.NumCtx, tt.wantCtx) || g.Model != "m1" {
					t.Errorf("conversation = title %q temp %v ctx %v model %q", g.Title, g.Temperature, g.NumCtx, g.Model)
				}
			}
		})
	}
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestDeleteCascadesToMessages(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	keep := Conversation{Messages: []Message{{Role: RoleUser, Content: "stay"}}}
	gone := Conversation{Messages: []Message{{Role: RoleUser, Content: "a"}, {Role: RoleAssistant, Content: "b"}}}
	for _, c := range []*Conversation{&keep, &gone} {
		if err := st.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteConversation(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := st.db.Raw("SELECT count(*) FROM messages WHERE conversation_id = ?", gone.ID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d messages of the deleted conversation remain", n)
	}
	if _, err := st.GetMessage(ctx, gone.Messages[0].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetMessage of a deleted message: %v, want ErrNotFound", err)
	}
	if got, err := st.GetConversation(ctx, keep.ID); err != nil || len(got.Messages) != 1 {
		t.Fatalf("the other conversation was affected: %+v, %v", got, err)
	}
}

func TestMissingRowsAreErrNotFound(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"get conversation", func() error { _, err := st.GetConversation(ctx, "nope"); return err }},
		{"update conversation", func() error {
			_, err := st.UpdateConversation(ctx, "nope", ConversationPatch{Title: ptr("x")})
			return err
		}},
		{"delete conversation", func() error { return st.DeleteConversation(ctx, "nope") }},
		{"append to missing conversation", func() error {
			return st.AppendMessages(ctx, "nope", &Message{Role: RoleUser, Content: "x"})
		}},
		{"get message", func() error { _, err := st.GetMessage(ctx, "nope"); return err }},
		{"update message", func() error {
			_, err := st.UpdateMessage(ctx, "nope", MessageUpdate{Content: ptr("x")})
			return err
		}},
		{"set message content", func() error { return st.SetMessageContent(ctx, "nope", "x") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrNotFound) {
				t.Fatalf("error = %v, want ErrNotFound", err)
			}
		})
	}
}
