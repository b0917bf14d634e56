package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

// killRuns is how many times TestKillWhileStreaming kills the app; E2E_KILLS changes it and
// E2E_KILL_SEED replays a run's random moments (the test logs its seed).
const killRuns = 50

// TestKillWhileStreaming kills the real app with SIGKILL at random moments while a reply streams
// — right after the request, or after some of the reply is on disk — again and again on the same
// history, starting new conversations, adding to old ones and continuing interrupted replies.
// After every kill the database passes PRAGMA integrity_check, every conversation made so far is
// there, and the reply being written is there with at least everything that was already on disk
// before the kill. Started again, the app shows that reply as interrupted with that text.
func TestKillWhileStreaming(t *testing.T) {
	appBinary(t)
	runs := envInt(t, "E2E_KILLS", killRuns)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("E2E_KILL_SEED"); s != "" {
		seed = uint64(envInt(t, "E2E_KILL_SEED", 0))
	}
	t.Logf("%d kills, seed %d (E2E_KILL_SEED=%d replays them)", runs, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	ol := ollamatest.Start(t)
	dataDir := t.TempDir()
	var convs []string // every conversation made, in order
	type cut struct {
		convID, replyID string
		onDisk          string // the reply's text in the database just after the kill
	}
	var last *cut
	immediate, midStream, continued := 0, 0, 0

	for run := 1; run <= runs; run++ {
		a := startServe(t, appOptions{dataDir: dataDir, ollamaURL: ol.URL})

		// What the last kill left is what the app shows now: the reply interrupted, its text
		// exactly what was on disk.
		if last != nil {
			c := a.conversation(last.convID)
			m, ok := findMessage(c.Messages, last.replyID)
			if !ok {
				t.Fatalf("run %d: reply %s of conversation %s is gone after the restart", run, last.replyID, last.convID)
			}
			if m.Status != "interrupted" || m.Content != last.onDisk {
				t.Fatalf("run %d: after the restart the reply is %s with %d bytes; want interrupted with the %d bytes on disk",
					run, m.Status, len(m.Content), len(last.onDisk))
			}
		}

		// Start a reply: a new conversation, another turn in an old one, or more of the reply
		// the last kill cut off.
		var convID, replyID, before string
		switch {
		case last != nil && last.onDisk != "" && run%3 == 0:
			var r struct{ Message Message }
			a.mustCall("chat.continue", map[string]string{"messageId": last.replyID}, &r)
			convID, replyID, before = last.convID, r.Message.ID, last.onDisk
			if r.Message.Content != before {
				t.Fatalf("run %d: chat.continue started from %d bytes, want the %d on disk", run, len(r.Message.Content), len(before))
			}
			continued++
		default:
			args := map[string]string{"model": ollamatest.TinyLongModel, "content": fmt.Sprintf("Run %d: tell me a long story", run)}
			if len(convs) > 0 && run%3 == 1 {
				args["conversationId"] = convs[rng.IntN(len(convs))]
			}
			var r struct{ Conversation Conversation }
			a.mustCall("chat.send", args, &r)
			convID = r.Conversation.ID
			ms := r.Conversation.Messages
			replyID = ms[len(ms)-1].ID
			if !contains(convs, convID) {
				convs = append(convs, convID)
			}
		}

		// A random moment: at once (the reply may have no text yet), or once some of it is on
		// disk, then a little later.
		var seen string // the reply's text on disk shortly before the kill
		if rng.IntN(5) == 0 {
			time.Sleep(time.Duration(rng.IntN(50)) * time.Millisecond)
			immediate++
		} else {
			poll(t, 30*time.Second, fmt.Sprintf("run %d: the streaming reply grows on disk", run), func() (bool, string) {
				m, err := dbReply(a.dbPath(), replyID)
				if err != nil {
					return false, err.Error()
				}
				return m.Status == "streaming" && len(m.Content) > len(before), fmt.Sprintf("%s, %d bytes", m.Status, len(m.Content))
			})
			time.Sleep(time.Duration(rng.IntN(800)) * time.Millisecond)
			m, err := dbReply(a.dbPath(), replyID)
			if err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			seen = m.Content
			midStream++
		}
		a.kill()

		// The file as the crash left it.
		db := openHistory(t, a.dbPath())
		if res := integrityCheck(t, db); res != "ok" {
			t.Fatalf("run %d: PRAGMA integrity_check after SIGKILL: %s", run, res)
		}
		live := liveConversations(t, db)
		for _, id := range convs {
			if !live[id] {
				t.Fatalf("run %d: conversation %s is lost after SIGKILL", run, id)
			}
		}
		if len(live) != len(convs) {
			t.Fatalf("run %d: %d conversations in the database, %d were made", run, len(live), len(convs))
		}
		m, err := dbReplyIn(db, replyID)
		if err != nil {
			t.Fatalf("run %d: the reply being written is not in the database after SIGKILL: %v", run, err)
		}
		if m.Status != "streaming" {
			t.Fatalf("run %d: the reply killed mid-stream is stored as %s", run, m.Status)
		}
		if !strings.HasPrefix(m.Content, before) || !strings.HasPrefix(m.Content, seen) {
			t.Fatalf("run %d: the reply on disk (%d bytes) lost text that was saved before the kill (%d bytes seen, %d before it started)",
				run, len(m.Content), len(seen), len(before))
		}
		if seen != "" && m.Content == "" {
			t.Fatalf("run %d: the partial reply is empty after the kill", run)
		}
		db.Close()
		last = &cut{convID: convID, replyID: replyID, onDisk: m.Content}
	}

	// One last start shows the last cut reply, and the history is whole.
	a := startServe(t, appOptions{dataDir: dataDir, ollamaURL: ol.URL})
	c := a.conversation(last.convID)
	if m, ok := findMessage(c.Messages, last.replyID); !ok || m.Status != "interrupted" || m.Content != last.onDisk {
		t.Fatalf("after the last kill the reply is %+v, want interrupted with %d bytes", m, len(last.onDisk))
	}
	if n := len(a.conversations()); n != len(convs) {
		t.Fatalf("the app lists %d conversations, %d were made", n, len(convs))
	}
	t.Logf("%d kills: %d right after the request, %d mid-stream; %d runs continued the reply the kill before had cut; %d conversations, none lost",
		runs, immediate, midStream, continued, len(convs))
	if immediate == 0 || midStream == 0 {
		t.Errorf("the random moments missed a case (immediate %d, mid-stream %d); raise E2E_KILLS", immediate, midStream)
	}
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q is not a count", name, s)
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func findMessage(ms []Message, id string) (Message, bool) {
	for _, m := range ms {
		if m.ID == id {
			return m, true
		}
	}
	return Message{}, false
}

// openHistory opens the app's database read-only, as a second process would.
func openHistory(t *testing.T, path string) *sql.DB {
	t.Helper()
	q := url.Values{"mode": {"ro"}, "_busy_timeout": {"5000"}}
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func integrityCheck(t *testing.T, db *sql.DB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func liveConversations(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT id FROM conversations WHERE deleted_at IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	return ids
}

func dbReplyIn(db *sql.DB, id string) (Message, error) {
	var m Message
	err := db.QueryRow(`SELECT id, conversation_id, position, role, content, status FROM messages WHERE id = ?`, id).
		Scan(&m.ID, &m.ConversationID, &m.Position, &m.Role, &m.Content, &m.Status)
	return m, err
}

// dbReply reads one message from the database file while the app runs.
func dbReply(path, id string) (Message, error) {
	q := url.Values{"mode": {"ro"}, "_busy_timeout": {"5000"}}
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return Message{}, err
	}
	defer db.Close()
	return dbReplyIn(db, id)
}
