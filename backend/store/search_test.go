package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// searchFixture stores a few conversations whose texts the search tests know.
func searchFixture(t *testing.T, st *Store) map[string]string {
	t.Helper()
	texts := map[string]string{
		"fox":      "The quick brown fox jumps over the lazy dog",
		"fox2":     "A brown quick fox, not lazy at all",
		"hedgehog": "Hedgehogs sleep under hedges in winter",
		"cafe":     "We met at the Café de Flore",
		"html":     "Render <script>alert(1)</script> as text, not HTML",
		"ops":      "Use NEAR and OR and AND as plain words, or column:value",
	}
	ids := map[string]string{}
	for _, k := range slices.Sorted(mapsKeys(texts)) {
		c := newConversation(t, st, Message{Role: RoleUser, Content: texts[k]}, Message{Role: RoleAssistant, Content: "ok"})
		ids[k] = c.Messages[0].ID
	}
	return ids
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func search(t *testing.T, st *Store, q string) []SearchResult {
	t.Helper()
	page, err := st.Search(context.Background(), SearchOptions{Query: q, Limit: 50})
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return page.Results
}

func resultIDs(rs []SearchResult) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.MessageID)
	}
	slices.Sort(ids)
	return ids
}

func TestSearchSyntax(t *testing.T) {
	st, _ := openTemp(t)
	ids := searchFixture(t, st)
	tests := []struct {
		query string
		want  []string // fixture keys
	}{
		{"fox", []string{"fox", "fox2"}},
		{"FOX", []string{"fox", "fox2"}},
		{"brown fox", []string{"fox", "fox2"}},        // all words, any order
		{`"quick brown"`, []string{"fox"}},            // phrase: in this order
		{`"brown quick" fox`, []string{"fox2"}},       // phrase and word
		{"hedge*", []string{"hedgehog"}},              // prefix
		{"hedge", nil},                                // no stemming: hedges ≠ hedge
		{"hedgehog", nil},                             // hedgehogs ≠ hedgehog
		{"cafe", []string{"cafe"}},                    // accents do not matter
		{"café", []string{"cafe"}},                    // either way
		{"fox -lazy", nil},                            // both mention lazy
		{"fox -jumps", []string{"fox2"}},              // exclusion
		{`fox -"quick brown"`, []string{"fox2"}},      // excluded phrase
		{"script", []string{"html"}},                  // markup is text
		{"NEAR", []string{"ops"}},                     // FTS5 operators are words
		{"OR AND", []string{"ops"}},                   //
		{"column:value", []string{"ops"}},             // not a column filter
		{`"unclosed phrase`, nil},                     // an open quote runs to the end
		{`"quick brown`, []string{"fox"}},             //
		{"quick!!! (brown)", []string{"fox", "fox2"}}, // punctuation is ignored
		{"^quick", []string{"fox", "fox2"}},           // not an anchor
		{"{fox dog}", []string{"fox"}},                // not a column set
		{"fox NOT", []string{"fox2"}},                 // NOT is a word here ("not lazy")
		{"zebra", nil},                                //
		{"fox*", []string{"fox", "fox2"}},             //
		{`"brown quick"*`, []string{"fox2"}},          // phrase with a prefix
		{"qu* br*", []string{"fox", "fox2"}},          //
		{"\"\"\"fox\"\"\"", []string{"fox", "fox2"}},  // stray quotes
		{"-- fox", []string{"fox", "fox2"}},           // a lone dash
		{"qui*", []string{"fox", "fox2"}},             // 3 letters: the prefix index
		{"quic*", []string{"fox", "fox2"}},            // 4: no index, same answer
		{"-q* fox", nil},                              // an excluded short prefix is allowed: both say quick
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var want []string
			for _, k := range tt.want {
				want = append(want, ids[k])
			}
			slices.Sort(want)
			got := resultIDs(search(t, st, tt.query))
			if !slices.Equal(got, want) {
				t.Fatalf("Search(%q) = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

func TestSearchRefusesWhatCannotBeSearched(t *testing.T) {
	st, _ := openTemp(t)
	searchFixture(t, st)
	tests := []struct {
		name, query, says string
	}{
		{"empty", "", "type a word"},
		{"blank", " \t\n", "type a word"},
		{"only punctuation", "!!! ??? ***", "type a word"},
		{"only a quote", `"`, "type a word"},
		{"only exclusions", "-fox -dog", "-word only excludes"},
		{"invalid UTF-8", "fox \xff\xfe", "UTF-8"},
		{"too long", strings.Repeat("fox ", 200), "limit"},
		{"too many terms", strings.Repeat("a ", MaxQueryTerms+1), "at most"},
		{"one-letter prefix", "fox q*", "at least 2 letters"},
		{"one-letter prefix in a phrase", `"brown q"*`, "at least 2 letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := st.Search(context.Background(), SearchOptions{Query: tt.query, Limit: 10})
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("Search(%q) = %v, want ErrBadQuery", tt.query, err)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

// Hostile input never reaches FTS5 unquoted: none of these may fail with anything but a clear
// ErrBadQuery, and none may match everything.
func TestSearchSurvivesHostileQueries(t *testing.T) {
	st, _ := openTemp(t)
	searchFixture(t, st)
	queries := []string{
		`fox" OR "dog`, `fox") OR ("`, `NEAR(fox dog, 1)`, `content:fox`, `messages_fts:fox`, `*`, `-*`, `"*"`,
		`fox AND`, `AND fox`, `(((fox`, `fox)))`, `"fox""`, `'; DROP TABLE messages; --`, "\x00fox",
		"fox\x00dog", `\"fox\"`, `rank:1`, `{content}: fox`, `+fox`, `fox^`, strings.Repeat("(", 400),
		strings.Repeat(`"`, 499), "-", "--", `-"`, `*fox`, `f*o*x`,
	}
	for _, q := range queries {
		t.Run(fmt.Sprintf("%q", q), func(t *testing.T) {
			page, err := st.Search(context.Background(), SearchOptions{Query: q, Limit: 50})
			if err != nil && !errors.Is(err, ErrBadQuery) {
				t.Fatalf("Search(%q) failed with %v; want results or ErrBadQuery", q, err)
			}
			if err == nil && len(page.Results) > 2 {
				t.Fatalf("Search(%q) matched %d messages; the query escaped its quotes", q, len(page.Results))
			}
		})
	}
	// And the database still holds everything.
	if n := len(search(t, st, "ok")); n != 6 {
		t.Fatalf("%d replies found after the hostile queries, want 6", n)
	}
}

func TestSearchSnippetMarksMatchesAsPlainText(t *testing.T) {
	st, _ := openTemp(t)
	ids := searchFixture(t, st)
	rs := search(t, st, "script")
	if len(rs) != 1 || rs[0].MessageID != ids["html"] {
		t.Fatalf("results = %+v", rs)
	}
	var text strings.Builder
	var hits []string
	for _, p := range rs[0].Snippet {
		text.WriteString(p.Text)
		if p.Hit {
			hits = append(hits, p.Text)
		}
	}
	if !slices.Equal(hits, []string{"script", "script"}) {
		t.Errorf("highlighted %q, want both occurrences of script", hits)
	}
	if text.String() != "Render <script>alert(1)</script> as text, not HTML" {
		t.Errorf("snippet text = %q, want the message as written", text.String())
	}
	if rs[0].Role != RoleUser || rs[0].Position != 0 || rs[0].ConversationID == "" || rs[0].CreatedAt.IsZero() {
		t.Errorf("result = %+v", rs[0])
	}
}

func TestSplitSnippet(t *testing.T) {
	tests := []struct {
		in   string
		want []SnippetPart
	}{
		{"", []SnippetPart{}},
		{"plain", []SnippetPart{{Text: "plain"}}},
		{"a " + hitOpen + "b" + hitClose + " c", []SnippetPart{{Text: "a "}, {Text: "b", Hit: true}, {Text: " c"}}},
		{hitOpen + "b" + hitClose, []SnippetPart{{Text: "b", Hit: true}}},
		{"a " + hitOpen + "b", []SnippetPart{{Text: "a "}, {Text: "b", Hit: true}}},
	}
	for _, tt := range tests {
		if got := splitSnippet(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitSnippet(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// The index follows every write: new messages, streaming growth, edits that cut a conversation
// short, deletion and purge.
func TestSearchIndexStaysInStep(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	c := newConversation(t, st, Message{Role: RoleUser, Content: "tell me about otters"})
	reply := &Message{Role: RoleAssistant, Status: StatusStreaming}
	if err := st.AppendMessages(ctx, c.ID, reply); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int { return len(search(t, st, q)) }
	steps := []struct {
		name string
		act  func() error
		want map[string]int
	}{
		{"appended", func() error { return nil }, map[string]int{"otters": 1, "rivers": 0}},
		{"streaming grows", func() error { return st.SetMessageContent(ctx, reply.ID, "Otters live in rivers") },
			map[string]int{"otters": 2, "rivers": 1}},
		{"rewritten", func() error {
			_, err := st.UpdateMessage(ctx, reply.ID, MessageUpdate{Content: ptr("Sea otters float"), Status: ptr(StatusDone)})
			return err
		}, map[string]int{"otters": 2, "rivers": 0, "float": 1}},
		{"status only", func() error {
			_, err := st.UpdateMessage(ctx, reply.ID, MessageUpdate{Status: ptr(StatusStopped)})
			return err
		}, map[string]int{"float": 1}},
		{"cut short", func() error { _, err := st.DeleteMessagesAfter(ctx, c.ID, 0); return err },
			map[string]int{"otters": 1, "float": 0}},
		{"trashed", func() error { _, err := st.TrashConversation(ctx, c.ID); return err }, map[string]int{"otters": 0}},
		{"purged", func() error { _, err := st.PurgeTrash(ctx, time.Now().Add(time.Hour)); return err }, map[string]int{"otters": 0}},
	}
	for _, s := range steps {
		if err := s.act(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for q, want := range s.want {
			if got := count(q); got != want {
				t.Errorf("after %s: %q finds %d, want %d", s.name, q, got, want)
			}
		}
	}
	// The index agrees with the table it indexes.
	if err := st.db.Exec(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`).Error; err != nil {
		t.Fatalf("FTS integrity-check: %v", err)
	}
}

func TestSearchPagesNewestFirst(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var want []string
	for i := 0; i < 25; i++ {
		c := newConversation(t, st, Message{Role: RoleUser, Content: fmt.Sprintf("needle number %d", i)})
		want = append(want, c.Messages[0].ID)
		newConversation(t, st, Message{Role: RoleUser, Content: "haystack"})
	}
	slices.Reverse(want)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, err := st.Search(ctx, SearchOptions{Query: "needle", Limit: 10, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Results {
			got = append(got, r.MessageID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged results = %v\nwant %v", got, want)
	}
	if _, err := st.Search(ctx, SearchOptions{Query: "needle", Limit: 10, Cursor: "not-a-cursor"}); !errors.Is(err, ErrInvalidCursor) {
		t.Fatalf("a forged cursor gave %v, want ErrInvalidCursor", err)
	}
	// Within one conversation.
	m, err := st.GetMessage(ctx, want[3])
	if err != nil {
		t.Fatal(err)
	}
	one, err := st.Search(ctx, SearchOptions{Query: "needle", Limit: 10, ConversationID: m.ConversationID})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Results) != 1 || one.Results[0].MessageID != want[3] {
		t.Fatalf("search in one conversation = %+v, want only %s", one.Results, want[3])
	}
}
