package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// GetSetting returns the JSON stored under key; found is false when there is none.
func (s *Store) GetSetting(ctx context.Context, key string) (value string, found bool, err error) {
	var st Setting
	if err := s.db.WithContext(ctx).Take(&st, "key = ?", key).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("get setting %s: %w", key, err)
	}
	return st.Value, true, nil
}

// SetSetting stores value, which must be JSON, under key, replacing what was there.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	if !json.Valid([]byte(value)) {
		return fmt.Errorf("set setting %s: the value is not valid JSON", key)
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value"}),
	}).Create(&Setting{Key: key, Value: value}).Error
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}
