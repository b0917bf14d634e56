package archive

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestPosReaderPositions(t *testing.T) {
	text := "ab\ncdé\n\nfgh"
	p := newPosReader(strings.NewReader(text), 1<<20)
	if _, err := io.ReadAll(p); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at, line, col int
	}{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {7, 2, 4} /* é is one column */, {8, 3, 1}, {9, 4, 1}, {12, 4, 4},
	}
	for _, tt := range tests {
		if l, c := p.position(int64(tt.at)); l != tt.line || c != tt.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tt.at, l, c, tt.line, tt.col)
		}
	}
	// Discarding keeps later positions right and forgets earlier ones.
	p.discard(8)
	if l, c := p.position(10); l != 4 || c != 2 {
		t.Errorf("after discard, position(10) = %d:%d, want 4:2", l, c)
	}
	if l, c := p.position(5); l != 0 || c != 0 {
		t.Errorf("a discarded offset gave %d:%d", l, c)
	}
}

func TestPosReaderLimits(t *testing.T) {
	p := newPosReader(strings.NewReader(strings.Repeat("x", 100)), 60)
	p.window(0, 10)
	b, err := io.ReadAll(p)
	if !errors.Is(err, errValueTooLarge) || len(b) != 10 {
		t.Fatalf("window: read %d, %v", len(b), err)
	}
	p.window(0, 1000)
	b, err = io.ReadAll(p)
	if !errors.Is(err, errFileTooLarge) || len(b) != 50 { // up to the limit of 60, then the error
		t.Fatalf("file limit: read %d more, %v", len(b), err)
	}
	exact := newPosReader(strings.NewReader("12345"), 5)
	if b, err := io.ReadAll(exact); err != nil || string(b) != "12345" {
		t.Fatalf("a file exactly at the limit: %q, %v", b, err)
	}
}
