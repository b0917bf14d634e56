package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// insertBatch is how many messages one INSERT carries: far fewer than SQLite's limit on bound
// variables (12 per row), many enough that a large import is not one statement per message.
const insertBatch = 300

// ErrIDInUse is an imported message whose ID another conversation already has.
var ErrIDInUse = errors.New("the ID is already in use")

// Importer adds whole conversations, as they were, inside one transaction (see Store.Import).
type Importer struct {
	tx    *gorm.DB
	added int
}

// Import runs fn with an Importer whose additions all belong to one transaction: if fn fails,
// nothing it added is kept. It returns how many conversations were added.
func (s *Store) Import(ctx context.Context, fn func(imp *Importer) error) (int, error) {
	var added int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		imp := &Importer{tx: tx}
		if err := fn(imp); err != nil {
			return err
		}
		added = imp.added
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// Add stores c with its messages and tags, keeping the IDs and times it has, so that an export
// imported again gives back the same history. Missing IDs and times are filled in; positions
// follow the order of c.Messages. A conversation whose ID is already in the database (even
// deleted) is left alone and Add reports false: importing the same file twice adds it once.
// A reply that was still streaming when it was exported is stored as interrupted.
func (imp *Importer) Add(ctx context.Context, c *Conversation) (bool, error) {
	tx := imp.tx.WithContext(ctx)
	t := now()
	if c.ID == "" {
		id, err := newID()
		if err != nil {
			return false, err
		}
		c.ID = id
	} else {
		var n int64
		if err := tx.Raw(`SELECT count(*) FROM conversations WHERE id = ?`, c.ID).Scan(&n).Error; err != nil {
			return false, fmt.Errorf("import conversation %s: %w", c.ID, err)
		}
		if n > 0 {
			return false, nil
		}
	}
	c.CreatedAt = stamp(c.CreatedAt, t)
	tags, err := NormalizeTags(c.Tags)
	if err != nil {
		return false, fmt.Errorf("import conversation %s: %w", c.ID, err)
	}
	c.Tags = tags
	msgs := c.Messages
	for i := range msgs {
		m := &msgs[i]
		if m.ID == "" {
			if m.ID, err = newID(); err != nil {
				return false, err
			}
		}
		m.ConversationID, m.Position = c.ID, i
		m.CreatedAt = stamp(m.CreatedAt, c.CreatedAt)
		m.UpdatedAt = stamp(m.UpdatedAt, m.CreatedAt)
		switch m.Status {
		case "":
			m.Status = StatusDone
		case StatusStreaming:
			m.Status = StatusInterrupted
		}
	}
	// Without its own, a conversation was last active when its last message was written: an
	// old import must not jump to the top of the list as if it were new.
	last := c.CreatedAt
	if len(msgs) > 0 && msgs[len(msgs)-1].UpdatedAt.After(last) {
		last = msgs[len(msgs)-1].UpdatedAt
	}
	c.UpdatedAt = stamp(c.UpdatedAt, last)
	if err := tx.Omit(clause.Associations).Create(c).Error; err != nil {
		return false, fmt.Errorf("import conversation %s: %w", c.ID, err)
	}
	if err := setTags(tx, c.ID, tags); err != nil {
		return false, fmt.Errorf("import conversation %s: %w", c.ID, err)
	}
	if len(msgs) > 0 {
		if err := tx.CreateInBatches(&msgs, insertBatch).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				err = ErrIDInUse
			}
			return false, fmt.Errorf("import conversation %s: %w", c.ID, err)
		}
	}
	imp.added++
	return true, nil
}

// stamp is t as stored (UTC, microseconds), or def when t is unset.
func stamp(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t.UTC().Truncate(time.Microsecond)
}
