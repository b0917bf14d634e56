package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// Image is a picture attached to a message. Data is the file's bytes (base64 in JSON).
type Image struct {
	MediaType string `json:"mediaType"`
	Data      []byte `json:"data"`
}

// Images are stored in one TEXT column as JSON, ” for none: they are read and written only with
// their message, never queried on their own.
type Images []Image

// Value implements driver.Valuer.
func (im Images) Value() (driver.Value, error) {
	if len(im) == 0 {
		return "", nil
	}
	b, err := json.Marshal([]Image(im))
	if err != nil {
		return nil, fmt.Errorf("encode images: %w", err)
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (im *Images) Scan(src any) error {
	var raw []byte
	switch v := src.(type) {
	case nil:
	case string:
		raw = []byte(v)
	case []byte:
		raw = v
	default:
		return fmt.Errorf("read images: unexpected column type %T", src)
	}
	if len(raw) == 0 {
		*im = nil
		return nil
	}
	var out []Image
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("read images: %w", err)
	}
	*im = out
	return nil
}
