package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// alive is the condition every query that shows conversations adds: deleted ones are hidden
// until restored or purged (trash.go).
const alive = "deleted_at IS NULL"

// ConversationPatch changes some fields of a conversation; nil or unset fields stay as they are.
type ConversationPatch struct {
	Title        *string
	Model        *string
	EndpointID   *string
	SystemPrompt *string
	Temperature  Nullable[float64]
	NumCtx       Nullable[int]
	Pinned       *bool
	// Tags replaces the conversation's tags (normalised by NormalizeTags).
	Tags *[]string
}

// organisesOnly tells whether p only pins or tags: filing a conversation away is not activity
// in it, so it keeps its place in time.
func (p ConversationPatch) organisesOnly() bool {
	return (p.Pinned != nil || p.Tags != nil) && p.Title == nil && p.Model == nil && p.EndpointID == nil && p.SystemPrompt == nil &&
		!p.Temperature.Set && !p.NumCtx.Set
}

// CreateConversation inserts c, and c.Messages and c.Tags if any, in one transaction. It fills in
// the IDs, times and positions.
func (s *Store) CreateConversation(ctx context.Context, c *Conversation) error {
	id, err := newID()
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	t := now()
	c.ID, c.CreatedAt, c.UpdatedAt = id, t, t
	tags, err := NormalizeTags(c.Tags)
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	c.Tags = tags
	msgs := c.Messages
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit(clause.Associations).Create(c).Error; err != nil {
			return err
		}
		if err := setTags(tx, c.ID, tags); err != nil {
			return err
		}
		for i := range msgs {
			if err := prepareMessage(&msgs[i], c.ID, i, t); err != nil {
				return err
			}
		}
		if len(msgs) > 0 {
			return tx.Create(&msgs).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	return nil
}

// GetConversation returns the conversation with all its messages in order. Messages is never
// nil. For long conversations, GetConversationPage returns a window of them.
func (s *Store) GetConversation(ctx context.Context, id string) (Conversation, error) {
	var c Conversation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One transaction, so the messages belong to the same snapshot as the conversation.
		if err := takeConversation(tx, &c, id); err != nil {
			return err
		}
		return tx.Where("conversation_id = ?", id).Order("position").Find(&c.Messages).Error
	})
	if err != nil {
		return Conversation{}, fmt.Errorf("get conversation %s: %w", id, err)
	}
	if c.Messages == nil {
		c.Messages = []Message{}
	}
	return c, nil
}

// takeConversation reads one live conversation with its tags, without messages.
func takeConversation(tx *gorm.DB, c *Conversation, id string) error {
	if err := tx.Take(c, "id = ? AND "+alive, id).Error; err != nil {
		return notFound(err)
	}
	cs := []Conversation{*c}
	if err := loadTags(tx, cs); err != nil {
		return err
	}
	c.Tags = cs[0].Tags
	return nil
}

// UpdateConversation applies p and returns the conversation without its messages. A change to
// the title, model or parameters, even an empty patch, counts as activity and moves it to the
// top of the list; pinning and tagging do not.
func (s *Store) UpdateConversation(ctx context.Context, id string, p ConversationPatch) (Conversation, error) {
	fields := map[string]any{}
	if !p.organisesOnly() {
		fields["updated_at"] = now()
	}
	if p.Title != nil {
		fields["title"] = *p.Title
	}
	if p.Model != nil {
		fields["model"] = *p.Model
	}
	if p.EndpointID != nil {
		fields["endpoint_id"] = *p.EndpointID
	}
	if p.SystemPrompt != nil {
		fields["system_prompt"] = *p.SystemPrompt
	}
	if p.Temperature.Set {
		fields["temperature"] = p.Temperature.Value
	}
	if p.NumCtx.Set {
		fields["num_ctx"] = p.NumCtx.Value
	}
	if p.Pinned != nil {
		fields["pinned"] = *p.Pinned
	}
	var tags []string
	if p.Tags != nil {
		var err error
		if tags, err = NormalizeTags(*p.Tags); err != nil {
			return Conversation{}, fmt.Errorf("update conversation %s: %w", id, err)
		}
	}
	var c Conversation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(fields) > 0 {
			// UpdateColumns: GORM would otherwise stamp updated_at itself, even for a pin.
			res := tx.Model(&Conversation{}).Where("id = ? AND "+alive, id).UpdateColumns(fields)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrNotFound
			}
		}
		if p.Tags != nil {
			var n int64
			if err := tx.Model(&Conversation{}).Where("id = ? AND "+alive, id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			if err := tx.Exec(`DELETE FROM conversation_tags WHERE conversation_id = ?`, id).Error; err != nil {
				return err
			}
			if err := setTags(tx, id, tags); err != nil {
				return err
			}
		}
		return takeConversation(tx, &c, id)
	})
	if err != nil {
		return Conversation{}, fmt.Errorf("update conversation %s: %w", id, err)
	}
	return c, nil
}

// DeleteConversation deletes the conversation for good, deleted or not; its messages and tags go
// with it (ON DELETE CASCADE) and so does their full-text index (triggers). People's deletes go
// through TrashConversation, which can be undone; this is what the purge does afterwards.
func (s *Store) DeleteConversation(ctx context.Context, id string) error {
	res := s.db.WithContext(ctx).Delete(&Conversation{}, "id = ?", id)
	if res.Error != nil {
		return fmt.Errorf("delete conversation %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete conversation %s: %w", id, ErrNotFound)
	}
	return nil
}

// ReplaceTitle sets the title to title only if it is still old, and reports whether it did. It
// is how a title made in the background lands without overwriting one the person typed in the
// meantime; it is not activity, so the conversation keeps its place in the list.
func (s *Store) ReplaceTitle(ctx context.Context, id, old, title string) (Conversation, bool, error) {
	var c Conversation
	replaced := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE conversations SET title = ? WHERE id = ? AND title = ? AND `+alive, title, id, old)
		if res.Error != nil {
			return res.Error
		}
		replaced = res.RowsAffected > 0
		return takeConversation(tx, &c, id)
	})
	if err != nil {
		return Conversation{}, false, fmt.Errorf("set the title of %s: %w", id, err)
	}
	return c, replaced, nil
}
