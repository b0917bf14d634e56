package store

import (
	"fmt"

	"github.com/google/uuid"
)

// newID returns a UUIDv7: unique, and sorting as text in creation order, which makes ids a
// tie-breaker for rows created in the same instant.
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	return id.String(), nil
}
