package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestImportKeepsIDsAndTimesAndIsOneTransaction(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	created := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	conv := Conversation{
		ID: "0190c0de-0000-7000-8000-000000000001", Title: "Imported", Model: "m", Pinned: true,
		Tags: []string{"old"}, CreatedAt: created, UpdatedAt: created.Add(time.Hour),
		Messages: []Message{
			{ID: "0190c0de-0000-7000-8000-0000000000a1", Role: RoleUser, Content: "kangaroo facts", CreatedAt: created},
			{ID: "0190c0de-0000-7000-8000-0000000000a2", Role: RoleAssistant, Content: "they hop", Status: StatusStreaming},
		},
	}
	n, err := st.Import(ctx, func(imp *Importer) error {
		c := conv
		c.Messages = append([]Message(nil), conv.Messages...)
		if ok, err := imp.Add(ctx, &c); err != nil || !ok {
			t.Fatalf("Add = %v, %v", ok, err)
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("Import = %d, %v", n, err)
	}
	got, err := st.GetConversation(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(created.Truncate(time.Microsecond)) || !got.Pinned || len(got.Tags) != 1 || got.Title != "Imported" {
		t.Fatalf("imported conversation = %+v", got)
	}
	if got.Messages[0].ID != conv.Messages[0].ID || got.Messages[1].Status != StatusInterrupted ||
		!got.Messages[1].CreatedAt.Equal(got.CreatedAt) || got.Messages[1].Position != 1 {
		t.Fatalf("imported messages = %+v", got.Messages)
	}
	if len(search(t, st, "kangaroo")) != 1 {
		t.Fatal("imported messages are not searchable")
	}

	// The same conversation again is skipped, not duplicated.
	n, err = st.Import(ctx, func(imp *Importer) error {
		c := conv
		ok, err := imp.Add(ctx, &c)
		if ok {
			t.Error("an existing conversation was added again")
		}
		return err
	})
	if err != nil || n != 0 {
		t.Fatalf("second Import = %d, %v", n, err)
	}

	// A failure anywhere keeps nothing from that import.
	boom := errors.New("the file ended early")
	_, err = st.Import(ctx, func(imp *Importer) error {
		c := Conversation{Title: "half", Messages: []Message{{Role: RoleUser, Content: "wombat"}}}
		if _, err := imp.Add(ctx, &c); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Import = %v, want the callback's error", err)
	}
	if len(search(t, st, "wombat")) != 0 || len(listAll(t, st, ListOptions{})) != 1 {
		t.Fatal("a failed import left conversations behind")
	}
	// A bad role is refused by the database, and takes the import down with it.
	_, err = st.Import(ctx, func(imp *Importer) error {
		c := Conversation{Messages: []Message{{Role: "system", Content: "x"}}}
		_, err := imp.Add(ctx, &c)
		return err
	})
	if err == nil {
		t.Fatal("a message with role system was imported")
	}
}
