package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Deleting is two steps, so that a slip can be undone. Trashing hides conversations at once (every
// query skips them) and labels them with a batch: one per delete, so that "delete all" is undone
// by one restore. PurgeTrash removes them for good once the undo window has passed.

// purgeChunk is how many conversations one purge transaction removes. Each takes its messages
// and their index entries with it; small transactions keep the write lock short, so a reply
// streaming meanwhile is never held up for long.
const purgeChunk = 50

// TrashConversation hides one conversation and returns the batch that restores it.
func (s *Store) TrashConversation(ctx context.Context, id string) (batch string, err error) {
	batch, err = newID()
	if err != nil {
		return "", fmt.Errorf("delete conversation %s: %w", id, err)
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE conversations SET deleted_at = ?, deleted_batch = ? WHERE id = ? AND `+alive,
		now(), batch, id)
	if res.Error != nil {
		return "", fmt.Errorf("delete conversation %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return "", fmt.Errorf("delete conversation %s: %w", id, ErrNotFound)
	}
	return batch, nil
}

// TrashAll hides every conversation except those in keep (conversations that cannot be deleted
// right now) and returns the batch that restores them and how many there were.
func (s *Store) TrashAll(ctx context.Context, keep []string) (batch string, n int64, err error) {
	batch, err = newID()
	if err != nil {
		return "", 0, fmt.Errorf("delete all conversations: %w", err)
	}
	q := s.db.WithContext(ctx).Model(&Conversation{}).Where(alive)
	if len(keep) > 0 {
		q = q.Where("id NOT IN ?", keep)
	}
	res := q.UpdateColumns(map[string]any{"deleted_at": now(), "deleted_batch": batch}) // not activity: updated_at stays
	if res.Error != nil {
		return "", 0, fmt.Errorf("delete all conversations: %w", res.Error)
	}
	return batch, res.RowsAffected, nil
}

// RestoreTrash brings back the conversations of a batch that have not been purged yet and
// returns their IDs. An unknown or purged batch restores nothing and is ErrNotFound.
func (s *Store) RestoreTrash(ctx context.Context, batch string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT id FROM conversations WHERE deleted_batch = ? AND deleted_at IS NOT NULL`, batch).
			Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return ErrNotFound
		}
		return tx.Exec(`UPDATE conversations SET deleted_at = NULL, deleted_batch = NULL
			WHERE deleted_batch = ? AND deleted_at IS NOT NULL`, batch).Error
	})
	if err != nil {
		return nil, fmt.Errorf("restore deleted conversations: %w", err)
	}
	return ids, nil
}

// PurgeTrash deletes for good the conversations trashed before cutoff and returns how many.
func (s *Store) PurgeTrash(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res := s.db.WithContext(ctx).Exec(`DELETE FROM conversations WHERE id IN (
			SELECT id FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ? LIMIT ?)`, cutoff.UTC(), purgeChunk)
		if res.Error != nil {
			return total, fmt.Errorf("purge deleted conversations: %w", res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected < purgeChunk {
			return total, nil
		}
	}
}
