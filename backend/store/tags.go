package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Limits on tags: enough to file a conversation several ways, few enough to show as chips.
const (
	MaxTags     = 20
	MaxTagRunes = 40
)

// ErrInvalidTag is a tag that cannot be stored (empty after trimming, too long, too many).
var ErrInvalidTag = errors.New("invalid tag")

// NormalizeTags trims tags, collapses inner white space, drops duplicates (ignoring case, as the
// database compares them) and sorts them, so that a conversation's tags read the same whoever set
// them. The result is never nil.
func NormalizeTags(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, t := range in {
		if !utf8.ValidString(t) {
			return nil, fmt.Errorf("%w: not valid UTF-8 text", ErrInvalidTag)
		}
		t = strings.Join(strings.FieldsFunc(t, unicode.IsSpace), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagRunes {
			return nil, fmt.Errorf("%w: %q is longer than %d characters", ErrInvalidTag, t, MaxTagRunes)
		}
		if strings.IndexFunc(t, unicode.IsControl) >= 0 {
			return nil, fmt.Errorf("%w: %q contains control characters", ErrInvalidTag, t)
		}
		key := strings.ToLower(t)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("%w: %d tags; at most %d", ErrInvalidTag, len(out), MaxTags)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out, nil
}

func setTags(tx *gorm.DB, convID string, tags []string) error {
	for _, t := range tags {
		if err := tx.Exec(`INSERT INTO conversation_tags (conversation_id, tag) VALUES (?, ?)`, convID, t).Error; err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
	}
	return nil
}

// loadTags fills in the Tags of cs (never nil) with one query.
func loadTags(tx *gorm.DB, cs []Conversation) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]string, len(cs))
	at := make(map[string]int, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
		at[cs[i].ID] = i
		cs[i].Tags = []string{}
	}
	var rows []struct {
		ConversationID string
		Tag            string
	}
	// Chunks keep the statement under SQLite's limit on bound variables.
	for chunk := range slices.Chunk(ids, 500) {
		var part []struct {
			ConversationID string
			Tag            string
		}
		if err := tx.Raw(`SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id IN ? ORDER BY tag COLLATE NOCASE`, chunk).
			Scan(&part).Error; err != nil {
			return fmt.Errorf("read tags: %w", err)
		}
		rows = append(rows, part...)
	}
	for _, r := range rows {
		i := at[r.ConversationID]
		cs[i].Tags = append(cs[i].Tags, r.Tag)
	}
	return nil
}

// TagCount is a tag and how many conversations carry it.
type TagCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// ListTags returns every tag in use on a conversation that is not deleted, by name.
func (s *Store) ListTags(ctx context.Context) ([]TagCount, error) {
	var out []TagCount
	err := s.db.WithContext(ctx).Raw(`SELECT t.tag AS name, count(*) AS count
		FROM conversation_tags t JOIN conversations c ON c.id = t.conversation_id
		WHERE c.deleted_at IS NULL GROUP BY t.tag ORDER BY t.tag COLLATE NOCASE`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	if out == nil {
		out = []TagCount{}
	}
	return out, nil
}
