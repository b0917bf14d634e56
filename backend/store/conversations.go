package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ConversationPatch changes some fields of a conversation; nil or unset fields stay as they are.
type ConversationPatch struct {
	Title        *string
	Model        *string
	SystemPrompt *string
	Temperature  Nullable[float64]
	NumCtx       Nullable[int]
}

// CreateConversation inserts c, and c.Messages if any, in one transaction. It fills in the IDs,
// times and positions.
func (s *Store) CreateConversation(ctx context.Context, c *Conversation) error {
	id, err := newID()
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	t := now()
	c.ID, c.CreatedAt, c.UpdatedAt = id, t, t
	msgs := c.Messages
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit(clause.Associations).Create(c).Error; err != nil {
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

// ListConversations returns every conversation without its messages, most recently updated
// first.
func (s *Store) ListConversations(ctx context.Context) ([]Conversation, error) {
	var cs []Conversation
	// id breaks ties: UUIDv7s sort by creation time.
	if err := s.db.WithContext(ctx).Order("updated_at DESC, id DESC").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return cs, nil
}

// GetConversation returns the conversation with its messages in order. Messages is never nil.
func (s *Store) GetConversation(ctx context.Context, id string) (Conversation, error) {
	var c Conversation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One transaction, so the messages belong to the same snapshot as the conversation.
		if err := tx.Take(&c, "id = ?", id).Error; err != nil {
			return notFound(err)
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

// UpdateConversation applies p and returns the conversation without its messages. Any change,
// even an empty patch, counts as activity and moves it to the top of the list.
func (s *Store) UpdateConversation(ctx context.Context, id string, p ConversationPatch) (Conversation, error) {
	fields := map[string]any{"updated_at": now()}
	if p.Title != nil {
		fields["title"] = *p.Title
	}
	if p.Model != nil {
		fields["model"] = *p.Model
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
	var c Conversation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Conversation{}).Where("id = ?", id).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.Take(&c, "id = ?", id).Error
	})
	if err != nil {
		return Conversation{}, fmt.Errorf("update conversation %s: %w", id, err)
	}
	return c, nil
}

// DeleteConversation deletes the conversation; its messages go with it (ON DELETE CASCADE).
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
