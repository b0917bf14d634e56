//go:build linux

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// The generated history: historyConversations conversations holding historyMessages messages,
// one of which (the "long one") has bigMessages of them; the rest share what is left. Text is
// made of words drawn from a Zipf distribution over a made-up vocabulary, so that, as in real
// text, a few words are in almost every message and most are rare: a search can be timed for a
// common word, a rare one and everything between.
const (
	historyConversations = 10_000
	historyMessages      = 1_000_000
	bigMessages          = 10_000
	vocabulary           = 30_000
	// genVersion changes whenever the generator does, so a cached history made by an older one is
	// not measured as if it were this one.
	genVersion = 1
	// bigTitle names the long conversation; it is pinned so that it is first in the list.
	bigTitle = "The long one (10,000 messages)"
)

// historyWords is the vocabulary: pronounceable made-up words, distinct, most common first.
func historyWords() []string {
	rng := rand.New(rand.NewPCG(7, 11))
	cons := []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "tr", "st"}
	vows := []string{"a", "e", "i", "o", "u", "ai", "ou", "ea"}
	seen := map[string]bool{}
	words := make([]string, 0, vocabulary)
	for len(words) < vocabulary {
		n := 1 + rng.IntN(3)
		if len(words) > 200 {
			n++ // the common words are short, as they are in real languages
		}
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(cons[rng.IntN(len(cons))])
			b.WriteString(vows[rng.IntN(len(vows))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// textGen writes messages.
type textGen struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	words []string
}

func newTextGen(words []string) *textGen {
	rng := rand.New(rand.NewPCG(1, 2))
	return &textGen{rng: rng, zipf: rand.NewZipf(rng, 1.07, 2, uint64(len(words)-1)), words: words}
}

// message is n words in sentences, as a person or a model would write them.
func (g *textGen) message(n int) string {
	var b strings.Builder
	start := true
	for i := 0; i < n; i++ {
		w := g.words[g.zipf.Uint64()]
		if start {
			w = strings.ToUpper(w[:1]) + w[1:]
			start = false
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if g.rng.IntN(12) == 0 || i == n-1 {
			b.WriteByte('.')
			start = true
		}
	}
	return b.String()
}

// historyCache returns the path of the generated history, making it first if it is not cached
// yet. The cache name carries the schema and generator versions, so a change to either makes a
// new one instead of measuring a stale file.
func historyCache(ctx context.Context, dir string) (string, error) {
	name := fmt.Sprintf("history-%dk-conv-%dk-msg-schema%d-gen%d.db", historyConversations/1000, historyMessages/1000, store.SchemaVersion(), genVersion)
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		logf("history: using the cached %s", path)
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "gen-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	began := time.Now()
	logf("history: generating %d messages in %d conversations (once; cached in %s)", historyMessages, historyConversations, dir)
	if err := generateHistory(ctx, tmp); err != nil {
		return "", err
	}
	// Written elsewhere and renamed into place: an interrupted generation never leaves a
	// half-made history under the cache's name.
	if err := os.Rename(filepath.Join(tmp, store.FileName), path); err != nil {
		return "", err
	}
	logf("history: generated in %v", time.Since(began).Round(time.Second))
	return path, nil
}

// generateHistory fills dir/history.db through the store's own import path (batched inserts,
// one transaction per 100 conversations), so the database is exactly what the app writes:
// same schema, same indexes, same full-text index kept by the same triggers.
func generateHistory(ctx context.Context, dir string) error {
	st, err := store.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	g := newTextGen(historyWords())
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	span := 2 * 365 * 24 * time.Hour
	rest := historyConversations - 1
	perConv, extra := (historyMessages-bigMessages)/rest, (historyMessages-bigMessages)%rest
	const chunk = 100
	made := 0
	for first := 0; first < historyConversations; first += chunk {
		_, err := st.Import(ctx, func(imp *store.Importer) error {
			for i := first; i < min(first+chunk, historyConversations); i++ {
				n := perConv
				if i <= extra {
					n++
				}
				c := store.Conversation{Model: "llama3.2:3b"}
				if i == 0 {
					n, c.Title, c.Pinned = bigMessages, bigTitle, true
				}
				start := base.Add(span * time.Duration(i) / historyConversations)
				c.CreatedAt = start
				for j := 0; j < n; j++ {
					m := store.Message{Role: store.RoleUser, Content: g.message(6 + g.rng.IntN(30)), CreatedAt: start.Add(time.Duration(j) * 30 * time.Second)}
					if j%2 == 1 {
						m.Role, m.Content, m.Model = store.RoleAssistant, g.message(20+g.rng.IntN(90)), c.Model
						m.EvalTokens = 50 + g.rng.IntN(400)
					}
					m.UpdatedAt = m.CreatedAt
					c.Messages = append(c.Messages, m)
				}
				if c.Title == "" {
					c.Title = strings.Join(strings.Fields(c.Messages[0].Content)[:min(6, len(strings.Fields(c.Messages[0].Content)))], " ")
				}
				if _, err := imp.Add(ctx, &c); err != nil {
					return err
				}
				made += n
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("generate history: %w", err)
		}
		if first%1000 == 0 {
			logf("history: %d conversations, %d messages", first+chunk, made)
		}
	}
	if made != historyMessages {
		return fmt.Errorf("generate history: made %d messages, meant %d", made, historyMessages)
	}
	return nil
}
