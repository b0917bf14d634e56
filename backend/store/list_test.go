package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func listAll(t *testing.T, st *Store, o ListOptions) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		page, err := st.ListConversations(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if o.Limit > 0 && len(page.Conversations) > o.Limit {
			t.Fatalf("page of %d, limit %d", len(page.Conversations), o.Limit)
		}
		for _, c := range page.Conversations {
			ids = append(ids, c.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		o.Cursor = page.NextCursor
	}
}

func TestListPagesPinnedFirst(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var ids []string // creation order
	for i := 0; i < 23; i++ {
		ids = append(ids, newConversation(t, st).ID)
	}
	// Pinning does not count as activity: the pinned ones keep their relative order, on top.
	for _, i := range []int{3, 17} {
		if _, err := st.UpdateConversation(ctx, ids[i], ConversationPatch{Pinned: ptr(true)}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{ids[17], ids[3]}
	for i := len(ids) - 1; i >= 0; i-- {
		if i != 3 && i != 17 {
			want = append(want, ids[i])
		}
	}
	for _, limit := range []int{0, 1, 5, 22, 23, 24, MaxPage} {
		if got := listAll(t, st, ListOptions{Limit: limit}); !slices.Equal(got, want) {
			t.Fatalf("limit %d: list = %v\nwant %v", limit, got, want)
		}
	}
	// Unpinned, it goes back to its place in time.
	if _, err := st.UpdateConversation(ctx, ids[17], ConversationPatch{Pinned: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	got := listAll(t, st, ListOptions{Limit: 7})
	if got[0] != ids[3] || got[1] != ids[22] || got[6] != ids[17] {
		idx := map[string]int{}
		for i, id := range ids {
			idx[id] = i
		}
		var order []int
		for _, id := range got {
			order = append(order, idx[id])
		}
		t.Fatalf("after unpinning: %v", order)
	}
}

func TestListRefusesBadPaging(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	tests := []struct {
		name string
		o    ListOptions
		want error
	}{
		{"forged cursor", ListOptions{Limit: 5, Cursor: "%%%"}, ErrInvalidCursor},
		{"cursor of another kind", ListOptions{Limit: 5, Cursor: encodeCursor([]int{1})}, ErrInvalidCursor},
		{"negative limit", ListOptions{Limit: -1}, nil},
		{"huge limit", ListOptions{Limit: MaxPage + 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := st.ListConversations(ctx, tt.o)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("ListConversations(%+v) = %v, want an error (%v)", tt.o, err, tt.want)
			}
		})
	}
}

func TestTags(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	a, b, c := newConversation(t, st), newConversation(t, st), newConversation(t, st)
	set := func(id string, tags ...string) Conversation {
		t.Helper()
		got, err := st.UpdateConversation(ctx, id, ConversationPatch{Tags: &tags})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := set(a.ID, "  Work ", "ideas", "work", "ideas", "", "Big  project")
	if want := []string{"Big project", "ideas", "Work"}; !slices.Equal(got.Tags, want) {
		t.Fatalf("tags = %q, want %q", got.Tags, want)
	}
	set(b.ID, "WORK")
	if g, _ := st.GetConversation(ctx, c.ID); g.Tags == nil || len(g.Tags) != 0 {
		t.Fatalf("untagged conversation has tags %#v, want []", g.Tags)
	}
	if ids := listAll(t, st, ListOptions{Tag: "work"}); !slices.Equal(ids, []string{b.ID, a.ID}) {
		t.Fatalf("list tagged work = %v, want b, a", ids)
	}
	tags, err := st.ListTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 3 || tags[2].Count != 2 || tags[0].Name != "Big project" {
		t.Fatalf("ListTags = %+v", tags)
	}
	// Tagging is filing, not activity: the order stays.
	if ids := listAll(t, st, ListOptions{}); !slices.Equal(ids, []string{c.ID, b.ID, a.ID}) {
		t.Fatalf("tagging reordered the list: %v", ids)
	}
	set(a.ID) // clears
	if g, _ := st.GetConversation(ctx, a.ID); len(g.Tags) != 0 {
		t.Fatalf("tags after clearing = %q", g.Tags)
	}
	if _, err := st.TrashConversation(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if tags, _ := st.ListTags(ctx); len(tags) != 0 {
		t.Fatalf("tags of deleted conversations are listed: %+v", tags)
	}
}

func TestNormalizeTagsRefuses(t *testing.T) {
	long := make([]string, MaxTags+1)
	for i := range long {
		long[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	tests := []struct {
		name string
		in   []string
	}{
		{"too long", []string{"a very long tag that goes on and on and on and on"}},
		{"too many", long},
		{"control characters", []string{"bell\a"}},
		{"invalid UTF-8", []string{"\xff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NormalizeTags(tt.in); !errors.Is(err, ErrInvalidTag) {
				t.Fatalf("NormalizeTags = %v, want ErrInvalidTag", err)
			}
		})
	}
}
