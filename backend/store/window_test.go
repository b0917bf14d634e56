package store

import (
	"context"
	"fmt"
	"testing"
)

func TestConversationWindows(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var msgs []Message
	for i := 0; i < 30; i++ {
		role := RoleUser
		if i%2 == 1 {
			role = RoleAssistant
		}
		msgs = append(msgs, Message{Role: role, Content: fmt.Sprint(i)})
	}
	c := newConversation(t, st, msgs...)
	ip := func(i int) *int { return &i }
	tests := []struct {
		name                string
		o                   WindowOptions
		first, last         int
		hasBefore, hasAfter bool
	}{
		{"the last ones", WindowOptions{Limit: 10}, 20, 29, true, false},
		{"all of it", WindowOptions{Limit: 100}, 0, 29, false, false},
		{"before", WindowOptions{Limit: 10, Before: ip(20)}, 10, 19, true, true},
		{"before, reaching the start", WindowOptions{Limit: 10, Before: ip(4)}, 0, 3, false, true},
		{"after", WindowOptions{Limit: 10, After: ip(9)}, 10, 19, true, true},
		{"after, reaching the end", WindowOptions{Limit: 10, After: ip(25)}, 26, 29, true, false},
		{"around", WindowOptions{Limit: 9, Around: c.Messages[15].ID}, 12, 20, true, true},
		{"around the first", WindowOptions{Limit: 9, Around: c.Messages[0].ID}, 0, 8, false, true},
		{"around the last", WindowOptions{Limit: 9, Around: c.Messages[29].ID}, 26, 29, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, w, err := st.GetConversationPage(ctx, c.ID, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Messages) != tt.last-tt.first+1 {
				t.Fatalf("%d messages, want %d..%d", len(got.Messages), tt.first, tt.last)
			}
			for i, m := range got.Messages {
				if m.Position != tt.first+i || m.Content != fmt.Sprint(tt.first+i) {
					t.Fatalf("message %d is at position %d (%q), want %d", i, m.Position, m.Content, tt.first+i)
				}
			}
			if w.HasBefore != tt.hasBefore || w.HasAfter != tt.hasAfter {
				t.Errorf("window = %+v, want before %v after %v", w, tt.hasBefore, tt.hasAfter)
			}
		})
	}

	bad := []WindowOptions{
		{Limit: 0}, {Limit: MaxPage + 1}, {Limit: 5, Before: ip(3), After: ip(1)},
	}
	for _, o := range bad {
		if _, _, err := st.GetConversationPage(ctx, c.ID, o); err == nil {
			t.Errorf("GetConversationPage(%+v) succeeded", o)
		}
	}
	other := newConversation(t, st, Message{Role: RoleUser, Content: "elsewhere"})
	if _, _, err := st.GetConversationPage(ctx, c.ID, WindowOptions{Limit: 5, Around: other.Messages[0].ID}); err == nil {
		t.Error("a window around another conversation's message was returned")
	}
	empty := newConversation(t, st)
	got, w, err := st.GetConversationPage(ctx, empty.ID, WindowOptions{Limit: 5})
	if err != nil || got.Messages == nil || len(got.Messages) != 0 || w.HasBefore || w.HasAfter {
		t.Fatalf("empty conversation: %+v %+v %v", got.Messages, w, err)
	}
}
