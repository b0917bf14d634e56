package store

import (
	"bytes"
	"encoding/json"
)

// Nullable is a field of a partial update that distinguishes three cases a pointer cannot: left
// out (Set false: keep the value), JSON null (Set, Value nil: clear it) and a value.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// NullableOf is a Nullable that sets v.
func NullableOf[T any](v T) Nullable[T] { return Nullable[T]{Set: true, Value: &v} }

// NullableNull is a Nullable that clears the value.
func NullableNull[T any]() Nullable[T] { return Nullable[T]{Set: true} }

// UnmarshalJSON is only called for a key that is present, which is what makes "left out" visible.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	n.Value = nil
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// MarshalJSON writes the value or null; a field left out marshals as null too, so use omitzero
// on the field to leave it out.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*n.Value)
}

// IsZero makes `json:",omitzero"` leave out a field that was not set.
func (n Nullable[T]) IsZero() bool { return !n.Set }
