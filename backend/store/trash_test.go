package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestTrashRestoreAndPurge(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	a := newConversation(t, st, Message{Role: RoleUser, Content: "alpha"})
	b := newConversation(t, st, Message{Role: RoleUser, Content: "beta"})
	c := newConversation(t, st, Message{Role: RoleUser, Content: "gamma"})

	batch, err := st.TrashConversation(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Trashed means gone from every view and every write.
	hidden := []struct {
		name string
		call func() error
	}{
		{"get", func() error { _, err := st.GetConversation(ctx, a.ID); return err }},
		{"page", func() error { _, _, err := st.GetConversationPage(ctx, a.ID, WindowOptions{Limit: 5}); return err }},
		{"update", func() error {
			_, err := st.UpdateConversation(ctx, a.ID, ConversationPatch{Title: ptr("x")})
			return err
		}},
		{"append", func() error { return st.AppendMessages(ctx, a.ID, &Message{Role: RoleUser, Content: "x"}) }},
		{"trash again", func() error { _, err := st.TrashConversation(ctx, a.ID); return err }},
	}
	for _, h := range hidden {
		if err := h.call(); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of a deleted conversation: %v, want ErrNotFound", h.name, err)
		}
	}
	if ids := listAll(t, st, ListOptions{}); !slices.Equal(ids, []string{c.ID, b.ID}) {
		t.Fatalf("list after delete = %v", ids)
	}

	restored, err := st.RestoreTrash(ctx, batch)
	if err != nil || !slices.Equal(restored, []string{a.ID}) {
		t.Fatalf("RestoreTrash = %v, %v", restored, err)
	}
	got, err := st.GetConversation(ctx, a.ID)
	if err != nil || len(got.Messages) != 1 || got.Messages[0].Content != "alpha" {
		t.Fatalf("restored conversation = %+v, %v", got, err)
	}
	if _, err := st.RestoreTrash(ctx, batch); !errors.Is(err, ErrNotFound) {
		t.Fatalf("restoring twice: %v, want ErrNotFound", err)
	}

	// Delete all keeps what it is told to keep, and one batch brings the rest back, each in its
	// old place.
	before := listAll(t, st, ListOptions{})
	all, n, err := st.TrashAll(ctx, []string{b.ID})
	if err != nil || n != 2 {
		t.Fatalf("TrashAll = %d, %v; want 2", n, err)
	}
	if ids := listAll(t, st, ListOptions{}); !slices.Equal(ids, []string{b.ID}) {
		t.Fatalf("list after delete all = %v", ids)
	}
	// Purge only takes what was deleted before the cut-off.
	if n, err := st.PurgeTrash(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("early purge removed %d (%v)", n, err)
	}
	if restored, err := st.RestoreTrash(ctx, all); err != nil || len(restored) != 2 {
		t.Fatalf("restore all = %v, %v", restored, err)
	}
	if after := listAll(t, st, ListOptions{}); !slices.Equal(after, before) {
		t.Fatalf("order after delete all and undo = %v, before %v", after, before)
	}
	if _, _, err := st.TrashAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PurgeTrash(ctx, time.Now().Add(time.Hour)); err != nil || n != 3 {
		t.Fatalf("purge removed %d (%v), want 3", n, err)
	}
	var msgs int64
	st.db.Raw(`SELECT count(*) FROM messages`).Scan(&msgs)
	if msgs != 0 {
		t.Fatalf("%d messages left after the purge", msgs)
	}
}

func TestPurgeWorksInChunks(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	for i := 0; i < purgeChunk*2+7; i++ {
		newConversation(t, st, Message{Role: RoleUser, Content: "x"})
	}
	if _, _, err := st.TrashAll(ctx, nil); err != nil {
		t.Fatal(err)
	}
	n, err := st.PurgeTrash(ctx, time.Now().Add(time.Minute))
	if err != nil || n != purgeChunk*2+7 {
		t.Fatalf("PurgeTrash = %d, %v; want %d", n, err, purgeChunk*2+7)
	}
}
